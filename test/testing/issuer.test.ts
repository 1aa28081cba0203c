import { createHash, generateKeyPairSync } from "node:crypto";
import {
  calculateJwkThumbprint,
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  EmbeddedJWK,
  generateKeyPair,
  jwtVerify,
} from "jose";
import { describe, expect, it } from "vitest";
import {
  createTestIssuer,
  type TestAlg,
  type TestFailure,
  type TestIssuer,
} from "../../src/testing/index.js";
import { issuersClosedAfterEach } from "../support/issuers.js";

const start = issuersClosedAfterEach();

/** Verifies `token` against a freshly fetched JWKS (no cache shared between calls). */
function verify(issuer: TestIssuer, token: string) {
  return jwtVerify(token, createRemoteJWKSet(new URL(issuer.jwksUri)), {
    issuer: issuer.url,
    audience: issuer.audience,
  });
}

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function postToken(
  issuer: TestIssuer,
  body: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(issuer.tokenEndpoint, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body,
  });
}

describe("discovery", () => {
  it("serves both well-known documents with an Auth0-shaped issuer by default", async () => {
    const issuer = await start();
    expect(issuer.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(issuer.url).toBe(`${issuer.origin}/`);
    expect(issuer.jwksUri).toBe(`${issuer.origin}/.well-known/jwks.json`);
    expect(issuer.tokenEndpoint).toBe(`${issuer.origin}/oauth/token`);
    expect(issuer.audience).toBe("https://api.example.test");

    for (const path of ["openid-configuration", "oauth-authorization-server"]) {
      const { status, body } = await getJson(`${issuer.origin}/.well-known/${path}`);
      expect(status).toBe(200);
      expect(body).toMatchObject({
        issuer: issuer.url,
        jwks_uri: issuer.jwksUri,
        token_endpoint: issuer.tokenEndpoint,
        grant_types_supported: ["client_credentials"],
      });
      expect(body.token_endpoint_auth_methods_supported).toContain("client_secret_post");
      expect(body.id_token_signing_alg_values_supported).toContain("RS256");
      expect(body.dpop_signing_alg_values_supported).toContain("ES256");
    }
    expect(issuer.hits.discovery).toBe(2);
  });

  it("uses an issuer without trailing slash when trailingSlash is false", async () => {
    const issuer = await start({ trailingSlash: false, audience: "urn:my-api" });
    expect(issuer.url).toBe(issuer.origin);
    const { body } = await getJson(`${issuer.origin}/.well-known/openid-configuration`);
    expect(body.issuer).toBe(issuer.origin);
    const { payload } = await verify(issuer, await issuer.sign());
    expect(payload.iss).toBe(issuer.origin);
    expect(payload.aud).toBe("urn:my-api");
  });
});

describe("JWKS", () => {
  it("serves public keys only, with kid, alg, use and the Cache-Control header", async () => {
    const issuer = await start();
    const res = await fetch(issuer.jwksUri);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("public, max-age=600");
    const body = (await res.json()) as { keys: Record<string, unknown>[] };
    expect(body).toEqual(issuer.jwks());
    expect(body.keys).toHaveLength(1);
    const [key] = body.keys;
    expect(key).toMatchObject({ kty: "RSA", alg: "RS256", use: "sig" });
    expect(typeof key?.kid).toBe("string");
    for (const member of ["d", "p", "q", "dp", "dq", "qi"]) expect(key).not.toHaveProperty(member);
    expect(issuer.hits.jwks).toBe(1);
  });

  it("sends the configured Cache-Control, or none with null", async () => {
    const custom = await start({ cacheControl: "no-store" });
    expect((await fetch(custom.jwksUri)).headers.get("cache-control")).toBe("no-store");
    const none = await start({ cacheControl: null });
    expect((await fetch(none.jwksUri)).headers.get("cache-control")).toBeNull();
  });

  it("publishes a lazily generated key once, even for concurrent first uses", async () => {
    const issuer = await start();
    await Promise.all([1, 2, 3, 4].map(() => issuer.sign({}, { alg: "ES384" })));
    const algs = issuer.jwks().keys.map((key) => key.alg);
    expect(algs).toEqual(["RS256", "ES384"]);
    for (const key of issuer.jwks().keys) expect(key).not.toHaveProperty("d");
  });
});

describe("sign()", () => {
  it.each<TestAlg>(["RS256", "PS256", "ES256", "EdDSA", "Ed25519"])(
    "mints %s tokens that verify against the served JWKS",
    async (alg) => {
      const issuer = await start();
      const token = await issuer.sign({ scope: "read:items" }, { alg });
      const { payload, protectedHeader } = await verify(issuer, token);
      const key = issuer.jwks().keys.find((k) => k.alg === alg);
      expect(protectedHeader).toEqual({ alg, kid: key?.kid, typ: "JWT" });
      expect(payload).toMatchObject({
        iss: issuer.url,
        aud: issuer.audience,
        sub: "auth0|test-user",
        scope: "read:items",
      });
      expect(payload.exp).toBe((payload.iat ?? 0) + 3600);
      expect(typeof payload.jti).toBe("string");
    },
  );

  it("uses defaultAlg and tokenLifetime", async () => {
    const issuer = await start({ defaultAlg: "ES256", tokenLifetime: 60 });
    expect(issuer.jwks().keys.map((key) => key.alg)).toEqual(["ES256"]);
    const token = await issuer.sign();
    expect(decodeProtectedHeader(token).alg).toBe("ES256");
    const payload = decodeJwt(token);
    expect(payload.exp).toBe((payload.iat ?? 0) + 60);
  });

  it("lets claims override and remove defaults", async () => {
    const issuer = await start();
    const payload = decodeJwt(
      await issuer.sign({ sub: "auth0|alice", jti: undefined, permissions: ["read:items"] }),
    );
    expect(payload.sub).toBe("auth0|alice");
    expect(payload).not.toHaveProperty("jti");
    expect(payload.permissions).toEqual(["read:items"]);
  });

  it("sets exp, nbf and cnf from the options", async () => {
    const issuer = await start();
    const expired = await issuer.sign({}, { expiresIn: -120 });
    await expect(verify(issuer, expired)).rejects.toMatchObject({ code: "ERR_JWT_EXPIRED" });
    const early = await issuer.sign({}, { notBefore: 600 });
    await expect(verify(issuer, early)).rejects.toMatchObject({
      code: "ERR_JWT_CLAIM_VALIDATION_FAILED",
      claim: "nbf",
    });
    const bound = decodeJwt(await issuer.sign({}, { dpopJkt: "thumb" }));
    expect(bound.cnf).toEqual({ jkt: "thumb" });
  });

  it("applies header overrides and removals", async () => {
    const issuer = await start();
    const token = await issuer.sign({}, { kid: "other", header: { typ: "at+jwt", cty: "x" } });
    expect(decodeProtectedHeader(token)).toEqual({
      alg: "RS256",
      kid: "other",
      typ: "at+jwt",
      cty: "x",
    });
    expect(decodeProtectedHeader(await issuer.sign({}, { header: { typ: undefined } }))).toEqual({
      alg: "RS256",
      kid: issuer.jwks().keys[0]?.kid,
    });
    const rfc9068 = await issuer.sign({}, { header: { typ: "at+jwt" } });
    await expect(verify(issuer, rfc9068)).resolves.toBeDefined();
  });

  it("mints tokens a verifier must refuse: unknown crit, alg none, alg confusion", async () => {
    const issuer = await start();
    const crit = await issuer.sign({}, { header: { crit: ["urn:x"], "urn:x": 1 } });
    await expect(verify(issuer, crit)).rejects.toMatchObject({ code: "ERR_JOSE_NOT_SUPPORTED" });

    const none = await issuer.sign({}, { header: { alg: "none" } });
    expect(none.endsWith(".")).toBe(true);
    expect(decodeProtectedHeader(none).alg).toBe("none");
    await expect(verify(issuer, none)).rejects.toThrow();

    const hs256 = await issuer.sign({}, { header: { alg: "HS256" } });
    expect(decodeProtectedHeader(hs256).alg).toBe("HS256");
    await expect(verify(issuer, hs256)).rejects.toThrow();
  });

  it("with noDefaults signs exactly the given claims", async () => {
    const issuer = await start();
    const token = await issuer.sign({ aud: issuer.audience, foo: "bar" }, { noDefaults: true });
    expect(decodeJwt(token)).toEqual({ aud: issuer.audience, foo: "bar" });
    await expect(verify(issuer, token)).rejects.toMatchObject({ claim: "iss" });
  });

  it("signs with a foreign key under the issuer's kid", async () => {
    const issuer = await start();
    const { privateKey } = await generateKeyPair("RS256");
    const forged = await issuer.sign({}, { alg: "RS256", key: privateKey });
    expect(decodeProtectedHeader(forged).kid).toBe(issuer.jwks().keys[0]?.kid);
    await expect(verify(issuer, forged)).rejects.toMatchObject({
      code: "ERR_JWS_SIGNATURE_VERIFICATION_FAILED",
    });
    const nodeKey = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
    const forgedEc = await issuer.sign({}, { alg: "ES256", key: nodeKey });
    await expect(verify(issuer, forgedEc)).rejects.toMatchObject({
      code: "ERR_JWS_SIGNATURE_VERIFICATION_FAILED",
    });
    await expect(issuer.sign({}, { key: privateKey })).rejects.toThrow(/needs `alg`/);
  });
});

describe("rotateKeys()", () => {
  it("replaces every key, dropping the old ones unless keepPrevious", async () => {
    const issuer = await start();
    const oldRs = await issuer.sign();
    const oldEs = await issuer.sign({}, { alg: "ES256" });
    const oldKids = issuer.jwks().keys.map((key) => key.kid);

    await issuer.rotateKeys();
    const keys = issuer.jwks().keys;
    expect(keys.map((key) => key.alg)).toEqual(["RS256", "ES256"]);
    expect(keys.some((key) => oldKids.includes(key.kid))).toBe(false);
    await expect(verify(issuer, oldRs)).rejects.toMatchObject({ code: "ERR_JWKS_NO_MATCHING_KEY" });
    await expect(verify(issuer, oldEs)).rejects.toMatchObject({ code: "ERR_JWKS_NO_MATCHING_KEY" });
    await expect(verify(issuer, await issuer.sign())).resolves.toBeDefined();

    const before = await issuer.sign();
    await issuer.rotateKeys({ keepPrevious: true });
    expect(issuer.jwks().keys).toHaveLength(4);
    await expect(verify(issuer, before)).resolves.toBeDefined();
    await expect(verify(issuer, await issuer.sign())).resolves.toBeDefined();
  });
});

describe("fail()", () => {
  it('"down" destroys the socket, and fail(null) recovers', async () => {
    const issuer = await start();
    issuer.fail("down");
    await expect(fetch(issuer.jwksUri)).rejects.toThrow(TypeError);
    await expect(fetch(`${issuer.origin}/.well-known/openid-configuration`)).rejects.toThrow();
    expect(issuer.hits).toEqual({ discovery: 1, jwks: 1, token: 0, introspection: 0 });
    issuer.fail(null);
    expect((await fetch(issuer.jwksUri)).status).toBe(200);
  });

  it('"500" answers a JSON error on the chosen endpoints only', async () => {
    const issuer = await start();
    issuer.fail("500", { endpoints: ["jwks"] });
    const res = await fetch(issuer.jwksUri);
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ error: "server_error" });
    expect((await fetch(`${issuer.origin}/.well-known/openid-configuration`)).status).toBe(200);
    issuer.fail(null);
    expect((await fetch(issuer.jwksUri)).status).toBe(200);
  });

  it('"invalid-json" answers 200 with a truncated body', async () => {
    const issuer = await start();
    issuer.fail("invalid-json");
    const res = await fetch(issuer.jwksUri);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(await res.text()).toBe('{"keys": [');
    await expect((await fetch(issuer.jwksUri)).json()).rejects.toThrow(SyntaxError);
  });

  it('"oversize" answers valid JSON over 2 MiB', async () => {
    const issuer = await start();
    issuer.fail("oversize");
    const res = await fetch(issuer.jwksUri);
    expect(Number(res.headers.get("content-length"))).toBeGreaterThan(2 * 1024 * 1024);
    const body = (await res.json()) as { keys: unknown[] };
    expect(body.keys).toEqual(issuer.jwks().keys);
    const discovery = await getJson(`${issuer.origin}/.well-known/openid-configuration`);
    expect(discovery.body.issuer).toBe(issuer.url);
  });

  it('"redirect" answers 302 elsewhere', async () => {
    const issuer = await start();
    issuer.fail("redirect", { endpoints: ["discovery"] });
    const res = await fetch(`${issuer.origin}/.well-known/openid-configuration`, {
      redirect: "manual",
    });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("http://127.0.0.1:1/elsewhere");
    expect((await fetch(issuer.jwksUri)).status).toBe(200);
  });

  it('"wrong-issuer" changes the discovery issuer only', async () => {
    const issuer = await start();
    issuer.fail("wrong-issuer");
    const { body } = await getJson(`${issuer.origin}/.well-known/openid-configuration`);
    expect(body.issuer).not.toBe(issuer.url);
    expect(body.jwks_uri).toBe(issuer.jwksUri);
    expect((await getJson(issuer.jwksUri)).body).toEqual(issuer.jwks());
    issuer.fail(null);
    expect((await getJson(`${issuer.origin}/.well-known/openid-configuration`)).body.issuer).toBe(
      issuer.url,
    );
  });

  it('"slow" delays the answer by delayMs', async () => {
    const issuer = await start();
    issuer.fail("slow", { delayMs: 300 });
    const started = Date.now();
    const res = await fetch(issuer.jwksUri);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(await res.json()).toEqual(issuer.jwks());
  });

  it("close() resolves quickly while a slow request is pending", async () => {
    const issuer = await start();
    issuer.fail("slow", { delayMs: 60_000 });
    const pending = fetch(issuer.jwksUri);
    const outcome = pending.then(
      () => "answered",
      () => "failed",
    );
    await expect.poll(() => issuer.hits.jwks).toBe(1);
    const started = Date.now();
    await issuer.close();
    // Not the 60 s delay: 10 s leaves room for a loaded machine.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await outcome).toBe("failed");
    await expect(issuer.close()).resolves.toBeUndefined();
  });
});

describe("options and misuse", () => {
  it("listens on the requested port", async () => {
    const first = await start();
    const port = Number(new URL(first.origin).port);
    await first.close();
    const issuer = await start({ port });
    expect(issuer.origin).toBe(`http://127.0.0.1:${port}`);
  });

  it("rejects unknown algorithms and failure modes", async () => {
    await expect(createTestIssuer({ defaultAlg: "HS256" as TestAlg })).rejects.toThrow(TypeError);
    const issuer = await start();
    await expect(issuer.sign({}, { alg: "none" as TestAlg })).rejects.toThrow(TypeError);
    expect(() => issuer.fail("flaky" as TestFailure)).toThrow(TypeError);
  });
});

describe("HTTP details", () => {
  it("counts hits per endpoint and resets them", async () => {
    const issuer = await start();
    await fetch(issuer.jwksUri);
    await fetch(issuer.jwksUri);
    await fetch(`${issuer.origin}/.well-known/oauth-authorization-server`);
    await postToken(issuer, "grant_type=client_credentials&client_id=app");
    expect(issuer.hits).toEqual({ discovery: 1, jwks: 2, token: 1, introspection: 0 });
    issuer.resetHits();
    expect(issuer.hits).toEqual({ discovery: 0, jwks: 0, token: 0, introspection: 0 });
  });

  it("answers CORS preflights and sets CORS headers, without counting preflights", async () => {
    const issuer = await start();
    const preflight = await fetch(issuer.tokenEndpoint, { method: "OPTIONS" });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("*");
    expect(preflight.headers.get("access-control-allow-headers")).toBe(
      "authorization, dpop, content-type",
    );
    const res = await fetch(issuer.jwksUri);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(issuer.hits).toEqual({ discovery: 0, jwks: 1, token: 0, introspection: 0 });
  });

  it("answers 404 JSON to anything else", async () => {
    const issuer = await start();
    const res = await fetch(`${issuer.origin}/nope`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: "not_found" });
    expect((await fetch(issuer.jwksUri, { method: "POST" })).status).toBe(404);
    expect((await fetch(issuer.tokenEndpoint)).status).toBe(404);
  });
});

describe("token endpoint", () => {
  it("issues client-credentials tokens from a form body", async () => {
    const issuer = await start();
    const res = await postToken(
      issuer,
      "grant_type=client_credentials&client_id=my-app&client_secret=s&scope=read%3Aitems",
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: "Bearer", expires_in: 3600, scope: "read:items" });
    const { payload } = await verify(issuer, String(body.access_token));
    expect(payload).toMatchObject({
      iss: issuer.url,
      aud: issuer.audience,
      sub: "my-app@clients",
      azp: "my-app",
      client_id: "my-app",
      gty: "client-credentials",
      scope: "read:items",
    });
    expect(payload).not.toHaveProperty("cnf");
  });

  it("accepts a JSON body with an audience, and HTTP Basic client authentication", async () => {
    const issuer = await start();
    const res = await fetch(issuer.tokenEndpoint, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        grant_type: "client_credentials",
        client_id: "json-app",
        audience: "urn:other",
      }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { access_token: string; scope: string };
    expect(body.scope).toBe("");
    const payload = decodeJwt(body.access_token);
    expect(payload).toMatchObject({ aud: "urn:other", client_id: "json-app" });
    expect(payload).not.toHaveProperty("scope");

    const basic = Buffer.from("basic-app:secret").toString("base64");
    const viaBasic = await postToken(issuer, "grant_type=client_credentials", {
      authorization: `Basic ${basic}`,
    });
    const { access_token } = (await viaBasic.json()) as { access_token: string };
    expect(decodeJwt(access_token).sub).toBe("basic-app@clients");
  });

  it("refuses bad requests with OAuth errors", async () => {
    const issuer = await start();
    const noGrant = await postToken(issuer, "grant_type=password&client_id=a");
    expect(noGrant.status).toBe(400);
    expect(await noGrant.json()).toMatchObject({ error: "unsupported_grant_type" });

    const noClient = await postToken(issuer, "grant_type=client_credentials");
    expect(noClient.status).toBe(401);
    expect(await noClient.json()).toMatchObject({ error: "invalid_client" });

    const badJson = await postToken(issuer, "{", { "content-type": "application/json" });
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).toMatchObject({ error: "invalid_request" });

    const huge = await postToken(issuer, `grant_type=client_credentials&x=${"a".repeat(70_000)}`);
    expect(huge.status).toBe(413);
    expect(issuer.hits.token).toBe(4);
  });

  it("binds the token to a valid DPoP proof key (cnf.jkt)", async () => {
    const issuer = await start();
    const key = await issuer.dpopKey();
    const proof = await issuer.dpopProof({ key, method: "POST", url: issuer.tokenEndpoint });
    const res = await postToken(issuer, "grant_type=client_credentials&client_id=app", {
      dpop: proof,
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { access_token: string; token_type: string };
    expect(body.token_type).toBe("DPoP");
    const { payload } = await verify(issuer, body.access_token);
    expect(payload.cnf).toEqual({ jkt: key.thumbprint });
  });

  it("refuses a bad DPoP proof", async () => {
    const issuer = await start();
    const key = await issuer.dpopKey("EdDSA");
    const form = "grant_type=client_credentials&client_id=app";
    const url = issuer.tokenEndpoint;
    const cases: [string, RegExp][] = [
      ["not-a-jwt", /exactly one proof/],
      [await issuer.dpopProof({ key, method: "GET", url }), /htm/],
      [await issuer.dpopProof({ key, method: "POST", url: `${issuer.origin}/x` }), /htu/],
      [await issuer.dpopProof({ key, method: "POST", url, header: { typ: "JWT" } }), /typ/],
      [await issuer.dpopProof({ key, method: "POST", url, iat: 1 }), /iat/],
      [await issuer.dpopProof({ key, method: "POST", url, jti: "" }), /jti/],
      [await issuer.dpopProof({ key, method: "POST", url, header: { jwk: undefined } }), /./],
    ];
    for (const [proof, reason] of cases) {
      const res = await postToken(issuer, form, { dpop: proof });
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: string; error_description: string };
      expect(body.error).toBe("invalid_dpop_proof");
      expect(body.error_description).toMatch(reason);
    }
  });
});

describe("DPoP helpers", () => {
  it.each(["ES256", "RS256", "EdDSA", "Ed25519", "PS256", "ES384"] as const)(
    "dpopKey(%s) gives a public JWK and its RFC 7638 thumbprint",
    async (alg) => {
      const issuer = await start();
      const key = await issuer.dpopKey(alg);
      expect(key.alg).toBe(alg);
      expect(key.publicJwk).not.toHaveProperty("d");
      expect(key.thumbprint).toBe(await calculateJwkThumbprint(key.publicJwk, "sha256"));
      const proof = await issuer.dpopProof({ key, method: "GET", url: "http://localhost/x" });
      await expect(jwtVerify(proof, EmbeddedJWK, { typ: "dpop+jwt" })).resolves.toBeDefined();
    },
  );

  it("dpopProof() sets the RFC 9449 header and claims", async () => {
    const issuer = await start();
    const key = await issuer.dpopKey();
    expect((await issuer.dpopKey()).thumbprint).not.toBe(key.thumbprint);
    const accessToken = await issuer.sign({}, { dpopJkt: key.thumbprint });
    const proof = await issuer.dpopProof({
      key,
      method: "GET",
      url: "https://api.example.test/items?page=2#top",
      accessToken,
      nonce: "n-1",
    });
    const { payload, protectedHeader } = await jwtVerify(proof, EmbeddedJWK, { typ: "dpop+jwt" });
    expect(protectedHeader).toEqual({ typ: "dpop+jwt", alg: "ES256", jwk: key.publicJwk });
    expect(payload).toMatchObject({
      htm: "GET",
      htu: "https://api.example.test/items",
      nonce: "n-1",
      ath: createHash("sha256").update(accessToken).digest("base64url"),
    });
    expect(Math.abs((payload.iat ?? 0) - Date.now() / 1000)).toBeLessThan(5);
    expect(typeof payload.jti).toBe("string");

    const other = decodeJwt(
      await issuer.dpopProof({ key, method: "GET", url: "https://api.example.test/items" }),
    );
    expect(other.jti).not.toBe(payload.jti);
    expect(other).not.toHaveProperty("ath");
    expect(other).not.toHaveProperty("nonce");
  });

  it("dpopProof() applies overrides and removals for negative tests", async () => {
    const issuer = await start();
    const key = await issuer.dpopKey();
    const proof = await issuer.dpopProof({
      key,
      method: "POST",
      url: "https://api.example.test/graphql",
      iat: 1_700_000_000,
      jti: "fixed",
      header: { typ: "jwt", jwk: undefined, kid: "k" },
      claims: { htm: undefined, extra: true },
    });
    expect(decodeProtectedHeader(proof)).toEqual({ typ: "jwt", alg: "ES256", kid: "k" });
    expect(decodeJwt(proof)).toEqual({
      jti: "fixed",
      htu: "https://api.example.test/graphql",
      iat: 1_700_000_000,
      extra: true,
    });
  });
});
