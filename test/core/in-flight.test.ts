import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_IN_FLIGHT } from "../../src/core/in-flight.js";
import { type Auth, createAuth } from "../../src/index.js";
import { createTestIssuer, type TestIssuer } from "../../src/testing/index.js";

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer();
});
afterAll(() => issuer.close());

const N = 1000;
const URL_ = "https://api.example.com/things";

/** One request's outcome through the public context API. */
async function request(
  auth: Auth<unknown>,
  headers: Record<string, string>,
): Promise<{ ok: true; sub: unknown } | { ok: false; status: number; reason: string | undefined }> {
  const { auth: state } = auth.createAuthContext({ headers, method: "GET", url: URL_ });
  try {
    const claims = (await state.require()) as { sub?: unknown };
    return { ok: true, sub: claims.sub };
  } catch (error) {
    const e = error as { status: number; reason?: string };
    return { ok: false, status: e.status, reason: e.reason };
  }
}

describe("in-flight sharing: concurrent first sights of one token", () => {
  it(`${N} concurrent requests with one new token → exactly one signature verification, all answered`, async () => {
    const auth = createAuth({ issuer: issuer.url, audience: issuer.audience });
    const token = await issuer.sign({ sub: "herd" });
    const headers = { authorization: `Bearer ${token}` };
    // Not warmed up: the herd also waits on the first key fetch, then on one verification.
    const results = await Promise.all(Array.from({ length: N }, () => request(auth, headers)));
    expect(results.filter((r) => r.ok && r.sub === "herd")).toHaveLength(N);
    expect(auth.stats.signatureChecks).toBe(1);
    expect(auth.stats.sharedVerifications).toBe(N - 1);
    expect(auth.stats.verifications).toBe(N);
    // Afterwards it is a cache hit: still no second signature check.
    expect((await request(auth, headers)).ok).toBe(true);
    expect(auth.stats.signatureChecks).toBe(1);
  });

  it("with keys at hand the herd costs one signature check too (the first verifies at once, the rest hit the cache)", async () => {
    const auth = createAuth({ issuer: issuer.url, audience: issuer.audience });
    await auth.warmup();
    const token = await issuer.sign({ sub: "warm" });
    const headers = { authorization: `Bearer ${token}` };
    const results = await Promise.all(Array.from({ length: N }, () => request(auth, headers)));
    expect(results.filter((r) => r.ok && r.sub === "warm")).toHaveLength(N);
    expect(auth.stats.signatureChecks).toBe(1);
  });

  it("with the token cache off the herd still shares one verification; the next request verifies again", async () => {
    const auth = createAuth({
      issuer: issuer.url,
      audience: issuer.audience,
      cache: { tokens: false },
    });
    // Not warmed up: every request finds the verification in flight (waiting for the keys).
    const token = await issuer.sign({ sub: "no-cache" });
    const headers = { authorization: `Bearer ${token}` };
    const results = await Promise.all(Array.from({ length: N }, () => request(auth, headers)));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(auth.stats.signatureChecks).toBe(1);
    expect((await request(auth, headers)).ok).toBe(true);
    expect(auth.stats.signatureChecks).toBe(2);
  });

  it("a bad token shared the same way → all refused; it is not remembered past its flight", async () => {
    const auth = createAuth({ issuer: issuer.url, audience: issuer.audience });
    const good = await issuer.sign({ sub: "victim" });
    // Same header and payload, a signature character in the middle changed: a forged signature.
    const at = good.length - 20;
    const forged = `${good.slice(0, at)}${good[at] === "A" ? "B" : "A"}${good.slice(at + 1)}`;
    const headers = { authorization: `Bearer ${forged}` };
    const results = await Promise.all(Array.from({ length: N }, () => request(auth, headers)));
    expect(results).toHaveLength(N);
    for (const r of results)
      expect(r).toEqual({ ok: false, status: 401, reason: "invalid_signature" });
    expect(auth.stats.signatureChecks).toBe(1);
    expect(auth.stats.sharedVerifications).toBe(N - 1);
    // The next request verifies again (failures are never cached).
    expect(await request(auth, headers)).toEqual({
      ok: false,
      status: 401,
      reason: "invalid_signature",
    });
    expect(auth.stats.signatureChecks).toBe(2);
    // And the genuine token is unaffected.
    expect((await request(auth, { authorization: `Bearer ${good}` })).ok).toBe(true);
  });

  it("distinct tokens are never shared: each is verified once", async () => {
    const auth = createAuth({ issuer: issuer.url, audience: issuer.audience });
    const tokens = await Promise.all(
      Array.from({ length: 20 }, (_, i) => issuer.sign({ sub: `u${i}` })),
    );
    const results = await Promise.all(
      tokens.flatMap((t) => [0, 1, 2].map(() => request(auth, { authorization: `Bearer ${t}` }))),
    );
    expect(results.map((r) => (r.ok ? r.sub : r))).toEqual(
      tokens.flatMap((_, i) => [`u${i}`, `u${i}`, `u${i}`]),
    );
    expect(auth.stats.signatureChecks).toBe(20);
    expect(auth.stats.sharedVerifications).toBe(40);
  });

  it("with an issuer resolver each joiner is checked against its own request", async () => {
    // The resolver admits the issuer only for requests that carry x-tenant: ok.
    const auth = createAuth({
      issuers: ({ headers }) => (headers("x-tenant") === "ok" ? [issuer.url] : []),
      audience: issuer.audience,
    });
    const token = await issuer.sign({ sub: "tenant" });
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        request(auth, { authorization: `Bearer ${token}`, "x-tenant": i % 2 === 0 ? "ok" : "no" }),
      ),
    );
    expect(results.map((r) => (r.ok ? "ok" : r.reason))).toEqual(
      Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? "ok" : "issuer_not_allowed")),
    );
    // The first request is refused by its own view; the allowed ones are still served.
    const first = await Promise.all(
      ["no", "ok", "ok"].map((t) =>
        request(auth, { authorization: `Bearer ${token}`, "x-tenant": t }),
      ),
    );
    expect(first.map((r) => r.ok)).toEqual([false, true, true]);
  });

  it("DPoP: the token part is shared, each proof is checked and single-use", async () => {
    const auth = createAuth({ issuer: issuer.url, audience: issuer.audience });
    await auth.warmup();
    const key = await issuer.dpopKey();
    const bound = await issuer.sign({ sub: "dpop" }, { dpopJkt: key.thumbprint });
    const proofs = await Promise.all(
      Array.from({ length: 50 }, () =>
        issuer.dpopProof({ key, method: "GET", url: URL_, accessToken: bound }),
      ),
    );
    const results = await Promise.all(
      proofs.map((proof) => request(auth, { authorization: `DPoP ${bound}`, dpop: proof })),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    expect(auth.stats.signatureChecks).toBe(1); // the access token's; proofs are not counted
    // One proof sent by 20 concurrent requests: exactly one is served, the rest are replays.
    const proof = await issuer.dpopProof({ key, method: "GET", url: URL_, accessToken: bound });
    const replays = await Promise.all(
      Array.from({ length: 20 }, () =>
        request(auth, { authorization: `DPoP ${bound}`, dpop: proof }),
      ),
    );
    expect(replays.filter((r) => r.ok)).toHaveLength(1);
    expect(
      replays.filter((r) => !r.ok && r.status === 400 && r.reason === "dpop_replay"),
    ).toHaveLength(19);
  });
});

describe("in-flight sharing is bounded", () => {
  it(`at most ${MAX_IN_FLIGHT} distinct tokens are shared at once; beyond that each is verified on its own`, async () => {
    const es = await createTestIssuer({ defaultAlg: "ES256" });
    try {
      const auth = createAuth({ issuer: es.url, audience: es.audience });
      const tokens: string[] = [];
      for (let i = 0; i <= MAX_IN_FLIGHT; i++) tokens.push(await es.sign({ sub: `u${i}` }));
      const first = tokens[0] as string;
      const extra = tokens[MAX_IN_FLIGHT] as string;
      // Not warmed up: every verification waits for the first key fetch, so all are in flight.
      const all = [...tokens, first, extra].map((t) =>
        request(auth, { authorization: `Bearer ${t}` }),
      );
      const results = await Promise.all(all);
      expect(results.every((r) => r.ok)).toBe(true);
      // The first token's second request joined its flight; the 10 001st token was never
      // registered (the map was full), so its second request verified on its own.
      expect(auth.stats.sharedVerifications).toBe(1);
      expect(auth.stats.signatureChecks).toBe(MAX_IN_FLIGHT + 2);
    } finally {
      await es.close();
    }
  }, 60_000);
});
