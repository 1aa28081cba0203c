import { exportJWK, generateKeyPair } from "jose";
import {
  type AuthOptions,
  ConfigurationError,
  createAuth,
  type IntrospectionOptions,
  isAuthError,
} from "scopegate";
import type { TestIssuer, TestIssuerOptions } from "scopegate/testing";
import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { issuersClosedAfterEach } from "../support/issuers.js";

const start = issuersClosedAfterEach();
afterEach(() => {
  vi.useRealTimers();
});

type Extra = Omit<Partial<AuthOptions>, "introspection"> & {
  introspection?: Partial<IntrospectionOptions>;
};

function authFor(issuer: TestIssuer, extra: Extra = {}) {
  const { introspection, ...rest } = extra;
  return createAuth({
    issuer: issuer.url,
    audience: issuer.audience,
    logger: false,
    ...rest,
    introspection: { ...issuer.introspectionClient, ...introspection },
  } as AuthOptions);
}

/** The AuthError a verification rejects with. */
async function refusal(p: Promise<unknown>) {
  try {
    await p;
  } catch (error) {
    if (!isAuthError(error)) throw error;
    return {
      status: error.status,
      code: error.code,
      reason: error.reason,
      description: error.description,
      retryAfter: error.headers["Retry-After"],
    };
  }
  throw new Error("expected a refusal");
}

async function started(options?: TestIssuerOptions) {
  const issuer = await start(options);
  return issuer;
}

describe("opaque tokens by introspection (RFC 7662)", () => {
  it("accepts an active opaque token: the endpoint from discovery, the same typed claims as a JWT", async () => {
    const issuer = await started();
    const auth = authFor(issuer);
    const token = issuer.opaqueToken({ scope: "read:items write:items", sub: "auth0|alice" });
    const claims = await auth.verify(token);
    expect(claims).toMatchObject({ iss: issuer.url, aud: issuer.audience, sub: "auth0|alice" });
    expect(typeof claims.exp).toBe("number");
    expect(issuer.hits.introspection).toBe(1);
    expect(auth.stats.introspections).toBe(1);
    // Cached: a second check costs no request.
    await auth.verify(token);
    expect(issuer.hits.introspection).toBe(1);
  });

  it("refuses opaque tokens as before without the introspection option", async () => {
    const issuer = await started();
    const auth = createAuth({ issuer: issuer.url, audience: issuer.audience, logger: false });
    expect(await refusal(auth.verify(issuer.opaqueToken()))).toMatchObject({
      status: 401,
      reason: "opaque_token",
    });
    expect(issuer.hits.introspection).toBe(0);
  });

  it("authenticates with client_secret_basic, client_secret_post and private_key_jwt", async () => {
    const { publicKey, privateKey } = await generateKeyPair("ES256", { extractable: true });
    const issuer = await started({
      introspectionClients: [
        { clientId: "basic api", clientSecret: "s3cret:with/odd+chars" },
        { clientId: "post-api", clientSecret: "p0st" },
        { clientId: "jwt-api", publicKey: { ...(await exportJWK(publicKey)), alg: "ES256" } },
      ],
    });
    const token = issuer.opaqueToken({ sub: "auth0|bob" });
    const basic = authFor(issuer, {
      introspection: { clientId: "basic api", clientSecret: "s3cret:with/odd+chars" },
    });
    const post = authFor(issuer, {
      introspection: {
        clientId: "post-api",
        clientSecret: "p0st",
        clientAuth: "client_secret_post",
      },
    });
    const jwt = authFor(issuer, {
      introspection: {
        clientId: "jwt-api",
        clientSecret: undefined,
        clientAuth: "private_key_jwt",
        privateKey: { ...(await exportJWK(privateKey)), alg: "ES256", kid: "k1" },
      },
    });
    for (const auth of [basic, post, jwt]) {
      await expect(auth.verify(token)).resolves.toMatchObject({ sub: "auth0|bob" });
    }
    expect(issuer.hits.introspection).toBe(3);
    // A wrong secret is the server's configuration, not the client's fault: 503, never 401/allow.
    const wrong = authFor(issuer, {
      introspection: {
        clientId: "post-api",
        clientSecret: "nope",
        clientAuth: "client_secret_post",
      },
    });
    expect(await refusal(wrong.verify(token))).toMatchObject({
      status: 503,
      code: "temporarily_unavailable",
      reason: "introspection_unavailable",
    });
  });

  it("answers 401 invalid_token for an inactive (revoked or unknown) token, never echoing it", async () => {
    const issuer = await started();
    const auth = authFor(issuer);
    const token = issuer.opaqueToken();
    issuer.revoke(token);
    const r = await refusal(auth.verify(token));
    expect(r).toMatchObject({ status: 401, code: "invalid_token", reason: "token_inactive" });
    expect(r.description).not.toContain(token);
    expect(await refusal(auth.verify("unknown-reference-token"))).toMatchObject({
      status: 401,
      reason: "token_inactive",
    });
  });

  it("sees a revocation once the cached answer expires (cache.maxAge, default 60 s)", async () => {
    const issuer = await started();
    const auth = authFor(issuer);
    const token = issuer.opaqueToken({}, { expiresIn: 3600 });
    vi.useFakeTimers({ toFake: ["Date"] });
    const t0 = Date.now();
    await auth.verify(token);
    issuer.revoke(token);
    vi.setSystemTime(t0 + 59_000);
    await expect(auth.verify(token)).resolves.toBeDefined();
    expect(issuer.hits.introspection).toBe(1);
    vi.setSystemTime(t0 + 61_000);
    expect(await refusal(auth.verify(token))).toMatchObject({
      status: 401,
      reason: "token_inactive",
    });
    expect(issuer.hits.introspection).toBe(2);
  });

  it("keeps an active answer no longer than the token's exp", async () => {
    const issuer = await started();
    const auth = authFor(issuer, { clockTolerance: 0, introspection: { cache: { maxAge: 600 } } });
    vi.useFakeTimers({ toFake: ["Date"] });
    const t0 = Date.now();
    const token = issuer.opaqueToken({ exp: Math.floor(t0 / 1000) + 30 });
    await auth.verify(token);
    vi.setSystemTime(t0 + 29_000);
    await auth.verify(token);
    expect(issuer.hits.introspection).toBe(1);
    vi.setSystemTime(t0 + 31_000);
    // Past exp: asked again (the issuer now says inactive).
    expect(await refusal(auth.verify(token))).toMatchObject({ status: 401 });
    expect(issuer.hits.introspection).toBe(2);
  });

  it("keeps an inactive answer for negativeMaxAge (default 10 s)", async () => {
    const issuer = await started();
    const auth = authFor(issuer);
    vi.useFakeTimers({ toFake: ["Date"] });
    const t0 = Date.now();
    for (let i = 0; i < 3; i++) await refusal(auth.verify("not-a-real-token"));
    expect(issuer.hits.introspection).toBe(1);
    vi.setSystemTime(t0 + 11_000);
    await refusal(auth.verify("not-a-real-token"));
    expect(issuer.hits.introspection).toBe(2);
  });

  it("holds at most cache.max answers (oldest dropped first), counted by requests", async () => {
    const issuer = await started();
    const auth = authFor(issuer, { introspection: { cache: { max: 2 } } });
    const [a, b, c] = [issuer.opaqueToken(), issuer.opaqueToken(), issuer.opaqueToken()];
    for (const t of [a, b, c]) await auth.verify(t);
    expect(issuer.hits.introspection).toBe(3);
    await auth.verify(c);
    await auth.verify(b);
    expect(issuer.hits.introspection).toBe(3);
    await auth.verify(a); // dropped when c came in
    expect(issuer.hits.introspection).toBe(4);
    // Inactive answers have their own map: a flood of unknown tokens keeps c and a.
    for (let i = 0; i < 5; i++) await refusal(auth.verify(`unknown-${i}`));
    issuer.resetHits();
    await auth.verify(a);
    await auth.verify(c);
    expect(issuer.hits.introspection).toBe(0);
    await auth.verify(b); // b was dropped when a came back
    expect(issuer.hits.introspection).toBe(1);
  });

  it("makes 1 000 concurrent checks of one new token cost exactly one introspection", async () => {
    const issuer = await started();
    const auth = authFor(issuer);
    const token = issuer.opaqueToken({ sub: "auth0|herd" });
    const all = await Promise.all(Array.from({ length: 1000 }, () => auth.verify(token)));
    expect(all.every((c) => c.sub === "auth0|herd")).toBe(true);
    expect(issuer.hits.introspection).toBe(1);
    expect(auth.stats.introspections).toBe(1);
  });

  it("answers 503 with Retry-After for every endpoint failure, and never caches the failure", async () => {
    const issuer = await started();
    const auth = authFor(issuer, { cache: { timeout: 0.3, retryAfter: 4 } });
    await auth.warmup(); // keys only
    const modes = ["down", "slow", "500", "invalid-json", "oversize", "redirect"] as const;
    for (const mode of modes) {
      const token = issuer.opaqueToken();
      issuer.fail(mode, { endpoints: ["introspection"], delayMs: 5_000 });
      const r = await refusal(auth.verify(token));
      expect(r, mode).toMatchObject({
        status: 503,
        code: "temporarily_unavailable",
        reason: "introspection_unavailable",
        retryAfter: "4",
      });
      issuer.fail(null);
      // The failure was not kept: the next check asks again and passes.
      await expect(auth.verify(token), mode).resolves.toBeDefined();
    }
  });

  it("answers 503 when discovery names no introspection endpoint reachable", async () => {
    const issuer = await started();
    const auth = authFor(issuer);
    issuer.fail("down", { endpoints: ["discovery"] });
    expect(await refusal(auth.verify(issuer.opaqueToken()))).toMatchObject({ status: 503 });
    expect(issuer.hits.introspection).toBe(0);
  });

  it("runs the JWT claim checks on the answer: issuer, audience, exp, the claims schema", async () => {
    const issuer = await started();
    const auth = authFor(issuer);
    expect(
      await refusal(auth.verify(issuer.opaqueToken({ aud: "https://other.example" }))),
    ).toMatchObject({ status: 401, reason: "audience_mismatch" });
    expect(await refusal(auth.verify(issuer.opaqueToken({ exp: undefined })))).toMatchObject({
      status: 401,
      reason: "missing_claim",
    });
    // No iss: the single configured issuer is the issuer.
    await expect(auth.verify(issuer.opaqueToken({ iss: undefined }))).resolves.toMatchObject({
      iss: issuer.url,
    });
    issuer.fail("wrong-issuer", { endpoints: ["introspection"] });
    expect(await refusal(auth.verify(issuer.opaqueToken()))).toMatchObject({
      status: 401,
      reason: "issuer_not_allowed",
    });
    issuer.fail(null);

    const typed = createAuth({
      issuer: issuer.url,
      audience: issuer.audience,
      introspection: issuer.introspectionClient,
      claims: z.object({ sub: z.string(), org_id: z.string() }),
    });
    const ok = await typed.verify(issuer.opaqueToken({ org_id: "org_1" }));
    expect(ok.org_id).toBe("org_1");
    expect(await refusal(typed.verify(issuer.opaqueToken()))).toMatchObject({
      status: 401,
      reason: "claims_schema",
    });
  });

  it("jwt: never (default) verifies JWTs locally; always also requires them active", async () => {
    const issuer = await started();
    const local = authFor(issuer);
    const always = authFor(issuer, { introspection: { jwt: "always" } });
    const jwt = await issuer.sign({ scope: "read:items" });
    await local.verify(jwt);
    expect(issuer.hits.introspection).toBe(0);
    await always.verify(jwt);
    expect(issuer.hits.introspection).toBe(1);
    const revoked = await issuer.sign();
    issuer.revoke(revoked);
    await expect(local.verify(revoked)).resolves.toBeDefined();
    expect(await refusal(always.verify(revoked))).toMatchObject({
      status: 401,
      reason: "token_inactive",
    });
    // A bad signature is refused locally, before any introspection.
    issuer.resetHits();
    expect(await refusal(always.verify(`${jwt.slice(0, -4)}AAAA`))).toMatchObject({ status: 401 });
    expect(issuer.hits.introspection).toBe(0);
  });

  it("checks the DPoP binding (cnf.jkt) of an opaque token", async () => {
    const issuer = await started();
    const auth = authFor(issuer);
    const key = await issuer.dpopKey();
    const token = issuer.opaqueToken({ scope: "read:items" }, { dpopJkt: key.thumbprint });
    const url = "https://api.example.test/items";
    const proof = await issuer.dpopProof({ key, method: "GET", url, accessToken: token });
    await expect(auth.verify(token, { method: "GET", url, dpop: proof })).resolves.toBeDefined();
    expect(await refusal(auth.verify(token))).toMatchObject({
      status: 401,
      reason: "dpop_bound_token_as_bearer",
    });
    const other = await issuer.dpopKey();
    const wrong = await issuer.dpopProof({ key: other, method: "GET", url, accessToken: token });
    // The proof of another key: refused exactly as for a bound JWT.
    expect(await refusal(auth.verify(token, { method: "GET", url, dpop: wrong }))).toMatchObject({
      status: 401,
      code: "invalid_token",
    });
  });

  it("refuses options it cannot work with, naming the fix", async () => {
    const issuer = await started();
    const base = { issuer: issuer.url, audience: issuer.audience };
    expect(() => createAuth({ ...base, introspection: { clientId: "x" } })).toThrow(
      /introspection\.clientSecret/,
    );
    expect(() =>
      createAuth({
        issuers: [issuer.url, "https://other.example/"],
        audience: issuer.audience,
        introspection: { clientId: "x", clientSecret: "y" },
      }),
    ).toThrow(/introspection\.endpoint/);
    expect(() =>
      createAuth({ ...base, introspection: { clientId: "x", clientAuth: "private_key_jwt" } }),
    ).toThrow(ConfigurationError);
    expect(() =>
      createAuth({
        ...base,
        introspection: { clientId: "x", clientSecret: "y", endpoint: "http://example.com/i" },
      }),
    ).toThrow(/introspection\.endpoint/);
    // An explicit endpoint needs no discovery.
    const auth = createAuth({
      ...base,
      logger: false,
      introspection: { ...issuer.introspectionClient, endpoint: issuer.introspectionEndpoint },
    });
    await auth.verify(issuer.opaqueToken());
    expect(issuer.hits.discovery).toBe(0);
  });
});
