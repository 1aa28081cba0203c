import { base64url, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import {
  type AccessTokenClaims,
  type AuthError,
  type AuthOptions,
  createAuth,
  InvalidTokenError,
} from "../../src/index.js";
import { createTestIssuer, type TestIssuer } from "../../src/testing/index.js";

let issuer: TestIssuer;
let rfc9068: TestIssuer;
const now = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  issuer = await createTestIssuer();
  rfc9068 = await createTestIssuer({ trailingSlash: false, audience: "urn:api" });
});
afterAll(async () => {
  await issuer.close();
  await rfc9068.close();
});

function authFor(extra: Partial<AuthOptions> = {}, iss: TestIssuer = issuer) {
  return createAuth({ issuer: iss.url, audience: iss.audience, ...extra } as AuthOptions);
}

async function rejection(promise: Promise<unknown>): Promise<AuthError> {
  const error = await promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InvalidTokenError);
  return error as AuthError;
}

describe("bounded work per token", () => {
  it("a token without kid is tried against the first 3 keys of its algorithm only", async () => {
    const pairs = await Promise.all(
      Array.from({ length: 5 }, () => generateKeyPair("ES256", { extractable: true })),
    );
    const { exportJWK } = await import("jose");
    const keys = await Promise.all(
      pairs.map(async (p) => ({ ...(await exportJWK(p.publicKey)), alg: "ES256" })),
    );
    const auth = createAuth({
      issuer: "https://idp.example.test/",
      audience: "api",
      jwks: { keys },
    });
    const sign = (i: number) =>
      new SignJWT({ sub: `k${i}` })
        .setProtectedHeader({ alg: "ES256" })
        .setIssuer("https://idp.example.test/")
        .setAudience("api")
        .setExpirationTime("5m")
        .sign((pairs[i] as { privateKey: CryptoKey }).privateKey);
    for (const i of [0, 1, 2]) {
      await expect(auth.verify(await sign(i))).resolves.toMatchObject({ sub: `k${i}` });
    }
    for (const i of [3, 4]) {
      expect(await rejection(auth.verify(await sign(i)))).toMatchObject({
        status: 401,
        reason: "invalid_signature",
      });
    }
  });
});

describe("key size bounds (JWKS keys are checked when loaded)", () => {
  it("drops RSA keys with an exponent over 32 bits, an even exponent or a modulus over 8192 bits", async () => {
    const { exportJWK } = await import("jose");
    const pair = await generateKeyPair("RS256", { extractable: true });
    const good = { ...(await exportJWK(pair.publicKey)), alg: "RS256" };
    const huge = base64url.encode(new Uint8Array([1, 0, 0, 0, 0, 1])); // 2^40 + 1
    const even = base64url.encode(new Uint8Array([1, 0, 2]));
    const bigModulus = base64url.encode(
      crypto.getRandomValues(new Uint8Array(1025)).fill(255, 0, 1),
    );
    const iss = "https://idp.example.test/";
    const token = (kid: string) =>
      new SignJWT({ sub: kid })
        .setProtectedHeader({ alg: "RS256", kid })
        .setIssuer(iss)
        .setAudience("api")
        .setExpirationTime("5m")
        .sign(pair.privateKey);
    const auth = createAuth({
      issuer: iss,
      audience: "api",
      jwks: {
        keys: [
          { ...good, kid: "good" },
          { ...good, kid: "huge-e", e: huge },
          { ...good, kid: "even-e", e: even },
          { ...good, kid: "big-n", n: bigModulus },
        ],
      },
    });
    await expect(auth.verify(await token("good"))).resolves.toMatchObject({ sub: "good" });
    for (const kid of ["huge-e", "even-e", "big-n"]) {
      expect(await rejection(auth.verify(await token(kid)))).toMatchObject({
        status: 401,
        reason: "no_matching_key",
      });
    }
  });
});

describe("token shapes", () => {
  it("verifies an Auth0-shaped token (trailing-slash issuer, typ JWT, permissions)", async () => {
    expect(issuer.url.endsWith("/")).toBe(true);
    const token = await issuer.sign({ scope: "read:messages", permissions: ["read:users"] });
    const claims = await authFor().verify(token);
    expect(claims).toMatchObject({
      iss: issuer.url,
      aud: issuer.audience,
      permissions: ["read:users"],
    });
  });

  it("verifies an RFC 9068 token (at+jwt, issuer without trailing slash) in strict mode", async () => {
    expect(rfc9068.url.endsWith("/")).toBe(false);
    const token = await rfc9068.sign(
      { client_id: "c1", scope: "a" },
      { header: { typ: "at+jwt" } },
    );
    await expect(authFor({ strict: true }, rfc9068).verify(token)).resolves.toMatchObject({
      client_id: "c1",
    });
    const long = await rfc9068.sign({ client_id: "c2" }, { header: { typ: "application/at+jwt" } });
    await expect(authFor({ strict: true }, rfc9068).verify(long)).resolves.toMatchObject({
      client_id: "c2",
      iss: rfc9068.url,
    });
  });

  it.each(["PS256", "ES256", "ES384", "EdDSA", "Ed25519", "RS512"] as const)(
    "verifies %s",
    async (alg) => {
      const token = await issuer.sign({ sub: `user-${alg}` }, { alg });
      await expect(authFor().verify(token)).resolves.toMatchObject({
        sub: `user-${alg}`,
        iss: issuer.url,
        aud: issuer.audience,
      });
    },
  );
});

describe("claim checks", () => {
  const cases: Array<[string, () => Promise<string>, Partial<AuthOptions>, string]> = [
    ["expired", () => issuer.sign({}, { expiresIn: -60 }), {}, "token_expired"],
    ["nbf in the future", () => issuer.sign({}, { notBefore: 120 }), {}, "token_not_yet_valid"],
    ["iat in the future", () => issuer.sign({ iat: now() + 600 }), {}, "token_issued_in_future"],
    [
      "too old for maxTokenAge",
      () => issuer.sign({ iat: now() - 3600 }),
      { maxTokenAge: 60 },
      "token_too_old",
    ],
    [
      "no iat with maxTokenAge",
      () => issuer.sign({ iat: undefined }),
      { maxTokenAge: 60 },
      "missing_claim",
    ],
    ["wrong audience", () => issuer.sign({ aud: "https://other.api" }), {}, "audience_mismatch"],
    ["aud array without ours", () => issuer.sign({ aud: ["a", "b"] }), {}, "audience_mismatch"],
    ["no exp", () => issuer.sign({ exp: undefined }), {}, "missing_claim"],
    ["exp as a string", () => issuer.sign({ exp: String(now() + 60) }), {}, "invalid_claims"],
    [
      "missing required claim",
      () => issuer.sign({}),
      { requiredClaims: ["org_id"] },
      "missing_claim",
    ],
    ["wrong issuer", () => issuer.sign({ iss: "https://evil.example/" }), {}, "issuer_not_allowed"],
    ["no issuer", () => issuer.sign({ iss: undefined }), {}, "issuer_not_allowed"],
    [
      "typ dpop+jwt",
      () => issuer.sign({}, { header: { typ: "dpop+jwt" } }),
      {},
      "wrong_token_type",
    ],
    [
      "typ of an ID token profile",
      () => issuer.sign({}, { header: { typ: "id_token+jwt" } }),
      {},
      "wrong_token_type",
    ],
    [
      "strict with typ JWT",
      () => issuer.sign({ client_id: "c" }),
      { strict: true },
      "wrong_token_type",
    ],
    [
      "strict without client_id",
      () => issuer.sign({}, { header: { typ: "at+jwt" } }),
      { strict: true },
      "missing_claim",
    ],
    [
      "alg outside the allow-list",
      () => issuer.sign({}, { alg: "ES256" }),
      { algorithms: ["RS256"] },
      "algorithm_not_allowed",
    ],
    ["alg none", () => issuer.sign({}, { header: { alg: "none" } }), {}, "algorithm_not_allowed"],
    ["alg NoNe", () => issuer.sign({}, { header: { alg: "NoNe" } }), {}, "algorithm_not_allowed"],
    [
      "unknown crit",
      () => issuer.sign({}, { header: { crit: ["x-custom"], "x-custom": 1 } }),
      {},
      "unsupported_header",
    ],
    ["nested JWT (cty)", () => issuer.sign({}, { header: { cty: "JWT" } }), {}, "nested_token"],
    ["10 KB kid", () => issuer.sign({}, { kid: "k".repeat(10_000) }), {}, "malformed_token"],
    ["unknown kid", () => issuer.sign({}, { kid: "../../etc/passwd" }), {}, "no_matching_key"],
  ];

  it.each(cases)("%s → 401 invalid_token", async (_name, mint, extra, reason) => {
    const error = await rejection(
      authFor({ cache: { cooldown: 3600 }, ...extra }).verify(await mint()),
    );
    expect(error.status).toBe(401);
    expect(error.code).toBe("invalid_token");
    expect(error.reason).toBe(reason);
    expect(error.headers["WWW-Authenticate"]).toMatch(/^Bearer realm="api", error="invalid_token"/);
  });

  it("clock tolerance: 3 s expired passes with the default 5 s, fails with 0", async () => {
    const token = await issuer.sign({ sub: "late" }, { expiresIn: -3 });
    await expect(authFor().verify(token)).resolves.toMatchObject({ sub: "late" });
    expect((await rejection(authFor({ clockTolerance: 0 }).verify(token))).reason).toBe(
      "token_expired",
    );
  });

  it("audience list: a token passes when its aud holds any", async () => {
    const token = await issuer.sign({ aud: ["https://other", "urn:second"] });
    await expect(
      authFor({ audience: ["urn:first", "urn:second"] }).verify(token),
    ).resolves.toMatchObject({ aud: ["https://other", "urn:second"] });
  });

  it("requiredClaims present, maxTokenAge fresh", async () => {
    const token = await issuer.sign({ org_id: "o1" });
    await expect(
      authFor({ requiredClaims: ["org_id"], maxTokenAge: 60 }).verify(token),
    ).resolves.toMatchObject({ org_id: "o1" });
  });

  it("a signature from another issuer's key with the same kid → 401", async () => {
    const { privateKey } = await generateKeyPair("RS256");
    const token = await issuer.sign({}, { key: privateKey, alg: "RS256" });
    expect((await rejection(authFor().verify(token))).reason).toBe("invalid_signature");
  });

  it("HS256 signed with the issuer's public key → 401 before any key use", async () => {
    const jwk = issuer.jwks().keys[0];
    const secret = new TextEncoder().encode(JSON.stringify(jwk));
    const token = await new SignJWT({ iss: issuer.url, aud: issuer.audience })
      .setProtectedHeader({ alg: "HS256", kid: jwk?.kid })
      .setExpirationTime("1h")
      .sign(secret);
    expect((await rejection(authFor().verify(token))).reason).toBe("algorithm_not_allowed");
  });

  it("descriptions never echo the token", async () => {
    const token = await issuer.sign({ aud: "x" });
    const error = await rejection(authFor().verify(token));
    const [h, p, s] = token.split(".");
    for (const part of [h, p, s])
      expect(JSON.stringify(error.toJSON()) + error.headers["WWW-Authenticate"]).not.toContain(
        part,
      );
    expect(error.message).not.toContain(token);
  });

  it("non-JSON and non-UTF-8 segments → 401 malformed_token", async () => {
    const junk = base64url.encode(new Uint8Array([0xff, 0xfe, 0x00]));
    for (const token of [`${junk}.${junk}.${junk}`, "eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2ln"]) {
      expect((await rejection(authFor().verify(token))).reason).toBe("malformed_token");
    }
  });
});

describe("diagnostics for common mistakes", () => {
  it("an opaque token names the fix (request a JWT with your audience)", async () => {
    const e = await rejection(authFor().verify("kHx2e9ZqQ4opaqueAuth0Token"));
    expect(e).toMatchObject({ reason: "opaque_token" });
    expect(e.description).toMatch(
      /opaque access tokens are not accepted; request a JWT access token/,
    );
  });

  it("an Auth0 encrypted (JWE, alg dir) token names the fix", async () => {
    const e = await rejection(
      authFor().verify("eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..iv.ciphertext.tag"),
    );
    expect(e).toMatchObject({ reason: "encrypted_token" });
    expect(e.description).toMatch(/request the access token with your API's audience/);
  });

  it("an ID token is recognised", async () => {
    const token = await issuer.sign({
      aud: "client-id-123",
      nonce: "n-0S6_WzA2Mj",
      auth_time: now(),
    });
    const e = await rejection(authFor().verify(token));
    expect(e).toMatchObject({
      reason: "id_token",
      description: "this looks like an ID token; send the access token instead",
    });
  });

  it("an audience mismatch names what was expected, never the token's value", async () => {
    const e = await rejection(
      authFor({ audience: ["urn:a", "urn:b"] }).verify(
        await issuer.sign({ aud: "urn:secret-other" }),
      ),
    );
    expect(e.description).toBe("token audience is not accepted; expected urn:a or urn:b");
  });
});

describe("claims schema (zod)", () => {
  const schema = z.looseObject({
    sub: z.string(),
    org_id: z.string(),
    scope: z.string().optional(),
  });

  it("parses the payload and types the claims", async () => {
    const typed = createAuth({ issuer: issuer.url, audience: issuer.audience, claims: schema });
    const claims = await typed.verify(await issuer.sign({ org_id: "o1" }));
    expectTypeOf(claims.org_id).toEqualTypeOf<string>();
    expectTypeOf(claims.sub).toEqualTypeOf<string>();
    expect(claims.org_id).toBe("o1");
    const { auth: state } = typed.createAuthContext({ headers: {} });
    expectTypeOf(state.require).returns.resolves.toEqualTypeOf<z.output<typeof schema>>();
  });

  it("regression: expiresAt() comes from the verified payload, even when the schema drops exp", async () => {
    const strict = createAuth({
      issuer: issuer.url,
      audience: issuer.audience,
      claims: z.object({ sub: z.string() }),
    });
    const token = await issuer.sign({}, { expiresIn: 120 });
    const { auth: state } = strict.createAuthContext({
      headers: { authorization: `Bearer ${token}` },
    });
    expect(state.expiresAt()).toBeUndefined();
    const claims = await state.require();
    expect(claims).toEqual({ sub: "auth0|test-user" });
    const exp = JSON.parse(Buffer.from(token.split(".")[1] as string, "base64url").toString())
      .exp as number;
    expect(state.expiresAt()).toBe(exp * 1000);
  });

  it("without a schema the claims are AccessTokenClaims", () => {
    const auth = createAuth({ issuer: issuer.url, audience: issuer.audience });
    expectTypeOf(auth.verify).returns.resolves.toEqualTypeOf<AccessTokenClaims>();
  });

  it("a payload failing the schema → 401 claims_schema naming only the path", async () => {
    const typed = createAuth({ issuer: issuer.url, audience: issuer.audience, claims: schema });
    const error = await rejection(typed.verify(await issuer.sign({ org_id: 42 })));
    expect(error.reason).toBe("claims_schema");
    expect(error.description).toBe("token claims do not match the expected schema at org_id");
  });
});

describe("scopes and permissions", () => {
  /** The auth state of a request carrying a token with `claims`. */
  const ctx = async (claims: Record<string, unknown>) =>
    authFor().createAuthContext({
      headers: { authorization: `Bearer ${await issuer.sign(claims)}` },
    }).auth;

  it("reads scope (string or array), scp, and permissions separately", async () => {
    const a = await ctx({ scope: "read:a write:a", permissions: ["delete:users"] });
    expect(await a.hasScopes("read:a")).toBe(true);
    expect(await a.hasScopes(["read:a", "write:a"])).toBe(true);
    expect(await a.hasScopes("read:a", "write:a")).toBe(true);
    expect(await a.hasScopes("read:a", "admin")).toBe(false);
    expect(await a.hasAnyScope("admin", "write:a")).toBe(true);
    expect(await a.hasScopes("delete:users")).toBe(false);
    expect(await a.hasPermissions("delete:users")).toBe(true);
    expect(await a.hasPermissions("read:a")).toBe(false);

    const b = await ctx({ scope: ["x", "y"], scp: "z" });
    expect(await b.hasScopes("x", "y", "z")).toBe(true);
    const c = await ctx({ scope: 42, permissions: "not-an-array" });
    expect(await c.hasScopes("42")).toBe(false);
    expect(await c.hasPermissions("not-an-array")).toBe(false);
    expect(await c.isAuthenticated()).toBe(true);
  });

  it("scp alone counts; array entries that are not one scope name (empty, spaced, non-string) are ignored", async () => {
    const scpOnly = await ctx({ scp: "z" });
    expect(await scpOnly.hasScopes("z")).toBe(true);
    const scpArray = await ctx({ scp: ["y", "z"] });
    expect(await scpArray.hasScopes("y", "z")).toBe(true);
    const noScope = await ctx({});
    expect(await noScope.hasScopes("z")).toBe(false);
    const seven = 7 as unknown as string; // a caller without types
    const junk = await ctx({ scope: ["ok", "a b", "", 7], permissions: ["fine", "", 5] });
    expect(await junk.hasScopes("ok")).toBe(true);
    for (const name of ["a b", "", seven]) expect(await junk.hasAnyScope([name])).toBe(false);
    expect(await junk.hasPermissions("fine")).toBe(true);
    for (const name of ["", 5 as unknown as string]) {
      expect(await junk.hasPermissions([name])).toBe(false);
    }
  });

  it("requireScopes → 403 with scope= in the challenge; requirePermissions → 403", async () => {
    const token = await issuer.sign({ scope: "read:a" });
    const { auth: state } = authFor().createAuthContext({
      headers: { authorization: `Bearer ${token}` },
    });
    await expect(state.requireScopes("read:a")).resolves.toMatchObject({ scope: "read:a" });
    const e = await state.requireScopes(["read:a", "write:a"]).catch((x: AuthError) => x);
    expect(e).toMatchObject({
      status: 403,
      code: "insufficient_scope",
      scope: ["read:a", "write:a"],
    });
    expect((e as AuthError).headers["WWW-Authenticate"]).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="missing required scopes: read:a write:a", scope="read:a write:a", ' +
        'DPoP algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519"',
    );
    await expect(state.requireAnyScope("x", "read:a")).resolves.toMatchObject({
      scope: "read:a",
    });
    await expect(state.requirePermissions("delete:users")).rejects.toMatchObject({
      status: 403,
      reason: "insufficient_permissions",
    });
  });
});
