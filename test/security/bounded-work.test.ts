import { generateKeyPairSync, randomBytes } from "node:crypto";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AuthError, createAuth } from "../../src/index.js";
import { createTestIssuer, type TestIssuer } from "../../src/testing/index.js";

/**
 * Work per request is bounded whatever the JWKS or the proof holds (issue 13): the bounds
 * are compared against a small baseline in the same run, with margins far below the
 * unbounded cost (which was 100–1000× the baseline), so a machine's speed cannot flake them.
 */

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer();
});
afterAll(() => issuer.close());

const iss = "https://idp.example.test/";

/** A static JWKS of `n` distinct P-256 keys (node:crypto generates them in microseconds). */
function ecJwks(n: number) {
  return Array.from({ length: n }, () => {
    const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    return { ...(publicKey.export({ format: "jwk" }) as Record<string, string>), alg: "ES256" };
  });
}

/** Mean ms per call of `fn` over `n` calls (after one warm-up call). */
async function meanMs(n: number, fn: () => Promise<unknown>): Promise<number> {
  await fn();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn();
  return (performance.now() - t0) / n;
}

describe("bounded key work", () => {
  it("a forged kid-less token costs about the same against 3 000 keys as against 3", async () => {
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const forged = await new SignJWT({ sub: "x" })
      .setProtectedHeader({ alg: "ES256" })
      .setIssuer(iss)
      .setAudience("api")
      .setExpirationTime("5m")
      .sign(privateKey); // by a key in neither JWKS
    const small = createAuth({ issuer: iss, audience: "api", jwks: { keys: ecJwks(3) } });
    const large = createAuth({ issuer: iss, audience: "api", jwks: { keys: ecJwks(3000) } });
    const check = async (auth: typeof small) => {
      const e = (await auth.verify(forged).catch((x) => x)) as AuthError;
      expect(e).toMatchObject({ status: 401, reason: "invalid_signature" });
    };
    const base = await meanMs(50, () => check(small));
    const big = await meanMs(50, () => check(large));
    // Unbounded, 3 000 keys cost ~1 000× the 3-key case; 20× leaves room for a load spike
    // landing on one of the two measurements.
    expect(big).toBeLessThan(base * 20 + 5);
  }, 30_000);
});

describe("bounded DPoP proof work", () => {
  it("an unbound proof key with a huge RSA exponent is refused in well under 1 ms", async () => {
    const key = await issuer.dpopKey("ES256");
    const token = await issuer.sign({ scope: "read" }, { dpopJkt: key.thumbprint });
    const auth = createAuth({ issuer: issuer.url, audience: issuer.audience });
    const url = "https://api.example.com/things";
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
    const { publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const rsa = publicKey.export({ format: "jwk" }) as Record<string, string>;
    const huge = randomBytes(512);
    huge[511] = (huge[511] ?? 0) | 1; // odd, 4096 bits: a verification would cost ~10 ms
    huge[0] = (huge[0] ?? 0) | 0x80;
    const proof = () =>
      `${b64({ typ: "dpop+jwt", alg: "RS256", jwk: { kty: "RSA", n: rsa.n, e: huge.toString("base64url") } })}.${b64(
        {
          jti: randomBytes(12).toString("base64url"),
          htm: "GET",
          htu: url,
          iat: Math.floor(Date.now() / 1000),
        },
      )}.${randomBytes(256).toString("base64url")}`;
    const ask = (dpop: string) =>
      auth
        .createAuthContext({
          url,
          method: "GET",
          headers: { authorization: `DPoP ${token}`, dpop },
        })
        .auth.require()
        .catch((x: AuthError) => x);
    const proofs = Array.from({ length: 1200 }, proof);
    for (const p of proofs.slice(0, 200)) await ask(p); // warm-up (JIT)
    const t0 = performance.now();
    const results = [];
    for (const p of proofs.slice(200)) results.push(await ask(p));
    const ms = (performance.now() - t0) / 1000;
    for (const e of results) {
      expect(e).toMatchObject({ status: 400, code: "invalid_dpop_proof", reason: "dpop_proof" });
    }
    // Verifying with a 4096-bit exponent costs ~7–9 ms; refused before that it is ~0.1 ms
    // (3 ms: 30x that, for a loaded machine, and still under the cost of one verification).
    expect(ms).toBeLessThan(3);
  });
});
