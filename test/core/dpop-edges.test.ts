/**
 * DPoP proof checks at their exact edges (issue 18: each case was a Stryker survivor of
 * src/core/dpop.ts). Every refusal is pinned with its status, error code and description,
 * because a check whose refusal changes description — or that lets the proof through to a
 * later check — is a different check.
 */
import { generateKeyPairSync } from "node:crypto";
import { calculateJwkThumbprint, type JWK } from "jose";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { type AuthError, type AuthOptions, createAuth } from "../../src/index.js";
import { createTestIssuer, type DpopKeyPair, type TestIssuer } from "../../src/testing/index.js";
import { controlledDate } from "../support/clock.js";

const URL_ = "https://api.example.com/things/1";
let issuer: TestIssuer;
let key: DpopKeyPair;
let bound: string;

beforeAll(async () => {
  issuer = await createTestIssuer();
  key = await issuer.dpopKey();
  bound = await issuer.sign({ scope: "read" }, { dpopJkt: key.thumbprint });
});
afterAll(() => issuer.close());

type Outcome = { status: number; code?: string; description?: string; reason?: string };

/** Sends one DPoP request (the bound token unless given) and reports how it ended. */
async function send(
  dpopProof: string,
  options: { token?: string; dpop?: AuthOptions["dpop"] } = {},
): Promise<Outcome & { cause?: unknown; retryAfter?: string }> {
  const auth = createAuth({ issuer: issuer.url, audience: issuer.audience, dpop: options.dpop });
  const { auth: state } = auth.createAuthContext({
    method: "GET",
    url: URL_,
    headers: { authorization: `DPoP ${options.token ?? bound}`, dpop: dpopProof },
  });
  return state.require().then(
    () => ({ status: 200 }),
    (e: AuthError) => ({
      status: e.status,
      code: e.code,
      description: e.description,
      reason: e.reason,
      cause: e.cause,
      retryAfter: e.headers["Retry-After"],
    }),
  );
}

const proof = (o: Partial<Parameters<TestIssuer["dpopProof"]>[0]> = {}) =>
  issuer.dpopProof({ key, method: "GET", url: URL_, accessToken: bound, ...o });

const refused = (description: string) => ({
  status: 400,
  code: "invalid_dpop_proof",
  description,
  reason: "dpop_proof",
});

describe("DPoP proof header", () => {
  it.each(["d", "p", "q", "dp", "dq", "qi", "oth", "k"])(
    "a jwk with the private member %s is refused",
    async (member) => {
      const p = await proof({ header: { jwk: { ...key.publicJwk, [member]: "AAAA" } } });
      expect(await send(p)).toMatchObject(refused("DPoP proof jwk must be a public key"));
    },
  );

  it("crit alone, and b64 alone, are each unsupported", async () => {
    for (const extra of [{ crit: ["exp"] }, { b64: false }]) {
      const p = await proof({ header: extra });
      expect(await send(p)).toMatchObject(refused("unsupported DPoP proof header"));
    }
  });

  it("a jwk object without kty has no usable jwk", async () => {
    const { kty: _, ...rest } = key.publicJwk;
    const p = await proof({ header: { jwk: rest } });
    expect(await send(p)).toMatchObject(refused("DPoP proof has no jwk header"));
  });

  it("a P-256 jwk under alg ES384 does not fit its algorithm (the token is bound to that jwk)", async () => {
    const p = await proof({ header: { alg: "ES384" } });
    expect(await send(p)).toMatchObject(refused("DPoP proof jwk does not fit its algorithm"));
  });

  it("a 1024-bit RSA jwk is outside the accepted key sizes, before any binding or signature work", async () => {
    const small = generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey.export({
      format: "jwk",
    }) as JWK;
    const p = await proof({ header: { alg: "RS256", jwk: small } });
    expect(await send(p)).toMatchObject(
      refused("DPoP proof jwk is outside the accepted key sizes"),
    );
  });

  it("an EC jwk without y has no thumbprint: not a usable public key", async () => {
    const { y: _, ...noY } = key.publicJwk;
    const p = await proof({ header: { jwk: noY } });
    expect(await send(p)).toMatchObject(refused("DPoP proof jwk is not a usable public key"));
  });

  it("an EC point off the curve, bound to the token by its thumbprint, is not a usable public key", async () => {
    const x = key.publicJwk.x as string;
    const offCurve = {
      ...key.publicJwk,
      x: `${x.slice(0, 10)}${x[10] === "A" ? "B" : "A"}${x.slice(11)}`,
    };
    const token = await issuer.sign({}, { dpopJkt: await calculateJwkThumbprint(offCurve) });
    const p = await proof({ header: { jwk: offCurve }, accessToken: token });
    expect(await send(p, { token })).toMatchObject(
      refused("DPoP proof jwk is not a usable public key"),
    );
  });

  it("a header remembered from an earlier proof is refused where its alg is not accepted", async () => {
    // The first request puts this key's header segment in the module-wide memo; the second
    // auth accepts only RS256 and must refuse the same header all the same.
    expect((await send(await proof())).status).toBe(200);
    expect(await send(await proof(), { dpop: { algorithms: ["RS256"] } })).toMatchObject(
      refused("DPoP proof algorithm is not accepted"),
    );
  });
});

describe("DPoP proof size, signature and claims", () => {
  it("8 192 characters are read as a proof; 8 193 are too large", async () => {
    const at = (n: number) => `${"a".repeat(n - 4)}.b.c`;
    expect(await send(at(8192))).toMatchObject(refused("DPoP proof is not a compact JWS"));
    expect(await send(at(8193))).toMatchObject(refused("DPoP proof too large"));
  });

  it("a changed signature is refused as invalid", async () => {
    const p = await proof();
    const dot = p.lastIndexOf(".");
    const mid = dot + 10;
    const forged = `${p.slice(0, mid)}${p[mid] === "A" ? "B" : "A"}${p.slice(mid + 1)}`;
    expect(await send(forged)).toMatchObject(refused("DPoP proof signature is invalid"));
  });

  it("jti: empty is missing; 512 characters pass; 513 are refused", async () => {
    expect(await send(await proof({ jti: "" }))).toMatchObject(refused("DPoP proof jti missing"));
    expect((await send(await proof({ jti: "j".repeat(512) }))).status).toBe(200);
    expect(await send(await proof({ jti: "k".repeat(513) }))).toMatchObject(
      refused("DPoP proof jti missing"),
    );
  });

  it("iat: exactly now + iatLeeway and now − iatOffset pass; one second beyond each is refused (controlled clock)", async () => {
    const t = Math.floor(Date.now() / 1000);
    controlledDate(onTestFinished, t * 1000);
    const dpop = { iatLeeway: 30, iatOffset: 300 };
    expect((await send(await proof({ iat: t + 30 }), { dpop })).status).toBe(200);
    expect(await send(await proof({ iat: t + 31 }), { dpop })).toMatchObject(
      refused("DPoP proof iat is in the future"),
    );
    expect((await send(await proof({ iat: t - 300 }), { dpop })).status).toBe(200);
    expect(await send(await proof({ iat: t - 301 }), { dpop })).toMatchObject(
      refused("DPoP proof is too old"),
    );
  });
});

describe("DPoP replay store failures", () => {
  it("a failing store: 503 replay_store_unavailable, Retry-After 1, the store's error kept", async () => {
    const down = new Error("redis down");
    const r = await send(await proof(), {
      dpop: { replayStore: { add: async () => Promise.reject(down) } },
    });
    expect(r).toMatchObject({
      status: 503,
      code: "temporarily_unavailable",
      description: "the DPoP replay store is temporarily unavailable",
      reason: "replay_store_unavailable",
      retryAfter: "1",
    });
    expect(r.cause).toBe(down);
  });

  it("a store past its deadline: the cause names the replay store and the deadline", async () => {
    const r = await send(await proof(), {
      dpop: {
        replayStore: { add: () => new Promise<boolean>(() => {}) },
        replayStoreTimeout: 0.05,
      },
    });
    expect(r).toMatchObject({ status: 503, reason: "replay_store_unavailable" });
    expect((r.cause as Error).message).toBe("the replay store did not answer within 0.05 s");
  });
});
