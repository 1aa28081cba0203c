/**
 * `createTestIssuer({ keys })` (what `scopegate dev` uses to survive restarts) and the
 * standalone `importDpopKey` / `dpopProof` (what `scopegate proof` uses).
 */
import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  EmbeddedJWK,
  exportJWK,
  generateKeyPair,
  type JWK,
  jwtVerify,
} from "jose";
import { describe, expect, it } from "vitest";
import { createAuth } from "../../src/index.js";
import { dpopProof, importDpopKey, type TestIssuer } from "../../src/testing/index.js";
import { issuersClosedAfterEach } from "../support/issuers.js";

const start = issuersClosedAfterEach();

async function privateJwk(alg: "RS256" | "ES256" | "EdDSA", extra: Partial<JWK> = {}) {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  return { ...(await exportJWK(privateKey)), alg, ...extra };
}

const portOf = (issuer: TestIssuer) => Number(new URL(issuer.origin).port);

describe("createTestIssuer({ keys })", () => {
  it("signs with the given key, so a restarted issuer keeps its kid and old tokens verify", async () => {
    const jwk = await privateJwk("RS256", { kid: "dev-1" });
    const first = await start({ keys: [jwk] });
    const before = await first.sign({ scope: "read:messages" });
    expect(decodeProtectedHeader(before).kid).toBe("dev-1");
    expect(first.jwks().keys).toEqual([
      { kty: "RSA", n: jwk.n, e: jwk.e, kid: "dev-1", alg: "RS256", use: "sig" },
    ]);
    // One verifier across the restart: its cached JWKS still holds the kid, and a fresh one
    // fetches the same key, so neither waits out an unknown-kid cooldown.
    const auth = createAuth({ issuer: first.url, audience: first.audience });
    await auth.verify(before);
    const port = portOf(first);
    await first.close();

    const second = await start({ keys: [jwk], port });
    const after = await second.sign({ scope: "read:messages" });
    expect(decodeProtectedHeader(after).kid).toBe("dev-1");
    await expect(auth.verify(after)).resolves.toMatchObject({ scope: "read:messages" });
    const fresh = createAuth({ issuer: second.url, audience: second.audience });
    await expect(fresh.verify(before)).resolves.toMatchObject({ scope: "read:messages" });
  });

  it("defaults kid to the thumbprint, publishes later keys of one alg, generates missing algs", async () => {
    const current = await privateJwk("ES256");
    const older = await privateJwk("ES256", { kid: "old" });
    const issuer = await start({ keys: [current, older], defaultAlg: "ES256" });
    const [first, second] = issuer.jwks().keys;
    expect(first?.kid).toMatch(/^[\w-]{43}$/);
    expect(first).not.toHaveProperty("d");
    expect(second?.kid).toBe("old");
    const token = await issuer.sign();
    expect(decodeProtectedHeader(token).kid).toBe(first?.kid);
    const jwks = createRemoteJWKSet(new URL(issuer.jwksUri));
    await expect(jwtVerify(token, jwks)).resolves.toBeTruthy();
    // No RS256 key was given: the first RS256 token generates one, as usual.
    const rs = await issuer.sign({}, { alg: "RS256" });
    expect(issuer.jwks().keys).toHaveLength(3);
    await expect(jwtVerify(rs, createRemoteJWKSet(new URL(issuer.jwksUri)))).resolves.toBeTruthy();
  });

  it("refuses unusable keys with a TypeError naming the key", async () => {
    const rsa = await privateJwk("RS256", { kid: "a" });
    const { d: _d, ...publicOnly } = rsa;
    await expect(start({ keys: [publicOnly] })).rejects.toThrow(/keys\[0\] is not a private key/);
    await expect(start({ keys: [rsa, { ...rsa, alg: "ES256" }] })).rejects.toThrow(
      /keys\[1\] is not a usable ES256 key/,
    );
    await expect(start({ keys: [{ ...rsa, alg: "HS256" }] })).rejects.toThrow(
      /keys\[0\] needs an alg/,
    );
    await expect(start({ keys: [rsa, { ...rsa }] })).rejects.toThrow(
      /keys\[1\] repeats the kid "a"/,
    );
    await expect(start({ keys: [{ kty: "oct", k: "AAAA", alg: "RS256" }] })).rejects.toThrow(
      /keys\[0\] has an unsupported kty/,
    );
  });
});

describe("importDpopKey / dpopProof", () => {
  it("signs a proof with a key read back from its private JWK", async () => {
    const jwk = await privateJwk("ES256");
    const key = await importDpopKey(JSON.parse(JSON.stringify(jwk)) as JWK);
    expect(key.alg).toBe("ES256");
    expect(key.publicJwk).toEqual({ kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y });
    const proof = await dpopProof({
      key,
      method: "GET",
      url: "http://127.0.0.1:3001/trpc/messages?input=1#x",
      accessToken: "token",
    });
    const { payload, protectedHeader } = await jwtVerify(proof, EmbeddedJWK, { typ: "dpop+jwt" });
    expect(protectedHeader.jwk).toEqual(key.publicJwk);
    expect(payload).toMatchObject({ htm: "GET", htu: "http://127.0.0.1:3001/trpc/messages" });
    expect(payload.ath).toBe("PEaenWxYddN6Q_NT1PiOYfz4EsZu7jRXRlpAsNpBU-A");
    const again = await dpopProof({ key, method: "GET", url: "http://127.0.0.1:3001/" });
    expect((await jwtVerify(again, EmbeddedJWK)).payload.jti).not.toBe(payload.jti);
  });

  it("infers the alg from the curve and refuses public or unsupported keys", async () => {
    const { alg: _alg, ...ed } = await privateJwk("EdDSA");
    expect((await importDpopKey(ed)).alg).toBe("EdDSA");
    const { d: _d, ...publicOnly } = ed;
    await expect(importDpopKey(publicOnly)).rejects.toThrow(/needs a private JWK/);
    await expect(importDpopKey({ ...ed, alg: "ES512" })).rejects.toThrow(/"ES512" is not one of/);
    await expect(importDpopKey(ed, "ES256")).rejects.toThrow(/not a usable ES256 key/);
  });
});
