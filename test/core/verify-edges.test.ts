/**
 * Verification at its edges (issue 18: each case was a Stryker survivor of src/core/verify.ts):
 * which keys a token is tried against, how long a cached verification may be served, how
 * joined verifications answer per request, and the exact refusal of each path.
 */
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import {
  type AuthError,
  type AuthOptions,
  createAuth,
  type StandardSchemaV1,
} from "../../src/index.js";
import { createTestIssuer, type TestIssuer } from "../../src/testing/index.js";
import { controlledDate } from "../support/clock.js";
import { clockedIssuer } from "../support/clocked-issuer.js";

const ISS = "https://idp.example.test/";
type Pair = Awaited<ReturnType<typeof generateKeyPair>>;
let pairs: Pair[];
let jwks: JWK[];
let issuer: TestIssuer;

beforeAll(async () => {
  pairs = await Promise.all(
    Array.from({ length: 5 }, () => generateKeyPair("ES256", { extractable: true })),
  );
  jwks = await Promise.all(
    pairs.map(async (p) => ({ ...(await exportJWK(p.publicKey)), alg: "ES256" })),
  );
  issuer = await createTestIssuer();
});
afterAll(() => issuer.close());

/** A token of ISS signed by key `i` (header `kid` when given). */
function sign(i: number, claims: Record<string, unknown> = {}, kid?: string, iss = ISS) {
  return new SignJWT({ sub: "u", ...claims })
    .setProtectedHeader({ alg: "ES256", ...(kid === undefined ? {} : { kid }) })
    .setIssuer(iss)
    .setAudience("api")
    .setIssuedAt()
    .setExpirationTime("5m")
    .sign((pairs[i] as Pair).privateKey);
}

const local = (keys: JWK[], extra: Partial<AuthOptions> = {}) =>
  createAuth({ issuer: ISS, audience: "api", jwks: { keys }, ...extra } as AuthOptions);

interface Outcome {
  status: number;
  sub?: string | undefined;
  code?: string;
  reason?: string | undefined;
  description?: string;
  cause?: unknown;
}

/** How a verification ended: its claims' `sub`, or the error's fields. */
async function outcome(p: Promise<unknown>): Promise<Outcome> {
  return p.then(
    (c) => ({ status: 200, sub: (c as { sub?: string }).sub }),
    (e: AuthError) => ({
      status: e.status,
      code: e.code,
      reason: e.reason,
      description: e.description,
      cause: e.cause,
    }),
  );
}

describe("which keys a token is tried against", () => {
  it("a kid shared by 5 keys: only the first 3 with that kid are tried", async () => {
    const keys = jwks.map((k) => ({ ...k, kid: "same" }));
    const auth = local(keys);
    expect((await outcome(auth.verify(await sign(2, {}, "same")))).status).toBe(200);
    const before = auth.stats.signatureChecks;
    expect(await outcome(auth.verify(await sign(3, {}, "same")))).toMatchObject({
      status: 401,
      reason: "invalid_signature",
      description: "signature verification failed",
    });
    expect(auth.stats.signatureChecks - before).toBe(3);
  });

  it("a key that cannot be imported is skipped for the next one; alone, it is 'does not fit'", async () => {
    const x = jwks[0]?.x as string;
    const offCurve = {
      ...jwks[0],
      x: `${x.slice(0, 10)}${x[10] === "A" ? "B" : "A"}${x.slice(11)}`,
    };
    const mixed = local([offCurve, jwks[1] as JWK]);
    expect(await outcome(mixed.verify(await sign(1)))).toMatchObject({ status: 200, sub: "u" });
    const alone = local([offCurve]);
    const r = await outcome(alone.verify(await sign(0)));
    expect(r).toMatchObject({
      status: 401,
      code: "invalid_token",
      reason: "invalid_signature",
      description: "token does not fit the issuer's key",
    });
    expect(r.cause).toBeInstanceOf(Error);
  });
});

describe("refusals of the issuer", () => {
  it("an empty iss is 'token has no issuer'", async () => {
    expect(await outcome(local(jwks).verify(await sign(0, {}, undefined, "")))).toMatchObject({
      status: 401,
      reason: "issuer_not_allowed",
      description: "token has no issuer",
    });
  });

  it("the trailing-slash hint, either way round, and no hint for another issuer", async () => {
    const hint =
      "token issuer is not accepted; it differs from the accepted issuer only by a trailing slash (iss must match exactly)";
    const slashless = createAuth({
      issuer: "https://idp.example.test",
      audience: "api",
      jwks: { keys: jwks },
    });
    expect(await outcome(slashless.verify(await sign(0)))).toMatchObject({ description: hint });
    const withSlash = local(jwks);
    const noSlash = await sign(0, {}, undefined, "https://idp.example.test");
    expect(await outcome(withSlash.verify(noSlash))).toMatchObject({ description: hint });
    const other = await sign(0, {}, undefined, "https://other.example.test/");
    expect(await outcome(withSlash.verify(other))).toMatchObject({
      reason: "issuer_not_allowed",
      description: "token issuer is not accepted",
    });
  });

  it("a resolver that throws: 500 'internal error while resolving the allowed issuers', cause kept", async () => {
    const boom = new Error("tenant table down");
    const auth = createAuth({
      issuers: () => {
        throw boom;
      },
      audience: issuer.audience,
    });
    const r = await outcome(auth.verify(await issuer.sign()));
    expect(r).toMatchObject({
      status: 500,
      code: "server_error",
      reason: "internal",
      description: "internal error while resolving the allowed issuers",
    });
    expect(r.cause).toBe(boom);
  });

  it("a claims schema that throws: 500 'internal error while checking the access token', cause kept", async () => {
    const boom = new Error("schema bug");
    const claims: StandardSchemaV1<unknown, unknown> = {
      "~standard": {
        version: 1,
        vendor: "test",
        validate: () => {
          throw boom;
        },
      },
    };
    const r = await outcome(
      local(jwks, { claims } as unknown as Partial<AuthOptions>).verify(await sign(0)),
    );
    expect(r).toMatchObject({
      status: 500,
      code: "server_error",
      reason: "internal",
      description: "internal error while checking the access token",
    });
    expect(r.cause).toBe(boom);
  });
});

describe("joined verifications answer per request (issuer resolver)", () => {
  const byUrl = () =>
    createAuth({
      issuers: async ({ url }) => (url?.endsWith("/allow") ? [issuer.url] : []),
      audience: issuer.audience,
    });

  it("a flight refused for its issuer: the joiner whose resolver allows it verifies on its own", async () => {
    const auth = byUrl();
    const token = await issuer.sign();
    const [denied, allowed] = await Promise.all([
      outcome(auth.verify(token, { url: "https://api.test/deny" })),
      outcome(auth.verify(token, { url: "https://api.test/allow" })),
    ]);
    expect(auth.stats.sharedVerifications).toBe(1);
    expect(denied).toMatchObject({ status: 401, reason: "issuer_not_allowed" });
    expect(allowed).toMatchObject({ status: 200 });
  });

  it("a flight that passed: a joiner whose resolver refuses the issuer is refused", async () => {
    const auth = byUrl();
    const token = await issuer.sign();
    const [allowed, denied] = await Promise.all([
      outcome(auth.verify(token, { url: "https://api.test/allow" })),
      outcome(auth.verify(token, { url: "https://api.test/deny" })),
    ]);
    expect(auth.stats.sharedVerifications).toBe(1);
    expect(allowed).toMatchObject({ status: 200 });
    expect(denied).toMatchObject({
      status: 401,
      reason: "issuer_not_allowed",
      description: "token issuer is not accepted",
    });
  });

  it("a cached token on a request whose resolver refuses its issuer is refused", async () => {
    const auth = byUrl();
    const token = await issuer.sign();
    expect((await outcome(auth.verify(token, { url: "https://api.test/allow" }))).status).toBe(200);
    const checks = auth.stats.signatureChecks;
    expect(await outcome(auth.verify(token, { url: "https://api.test/deny" }))).toMatchObject({
      status: 401,
      reason: "issuer_not_allowed",
      description: "token issuer is not accepted",
    });
    expect(auth.stats.signatureChecks).toBe(checks);
  });
});

describe("how long a cached verification is served", () => {
  it("a token whose key left the JWKS is refused on its next request, cached or not", async () => {
    const rotating = await createTestIssuer();
    onTestFinished(() => rotating.close());
    const auth = createAuth({ issuer: rotating.url, audience: rotating.audience });
    const old = await rotating.sign();
    expect((await outcome(auth.verify(old))).status).toBe(200);
    await rotating.rotateKeys();
    // A token of the new key (an unknown kid) makes the new key set load at once.
    expect((await outcome(auth.verify(await rotating.sign()))).status).toBe(200);
    expect(await outcome(auth.verify(old))).toMatchObject({
      status: 401,
      reason: "no_matching_key",
    });
  });

  it("maxTokenAge: a cached token is refused once iat + maxTokenAge + clockTolerance has passed", async () => {
    const t = Math.floor(Date.now() / 1000);
    const clock = controlledDate(onTestFinished, t * 1000);
    const auth = local(jwks, { maxTokenAge: 60, clockTolerance: 5 });
    const token = await sign(0); // iat = t (the controlled clock)
    expect((await outcome(auth.verify(token))).status).toBe(200);
    clock.set((t + 65) * 1000);
    expect((await outcome(auth.verify(token))).status).toBe(200);
    clock.set((t + 66) * 1000);
    expect(await outcome(auth.verify(token))).toMatchObject({
      status: 401,
      reason: "token_too_old",
    });
  });

  it('introspection jwt: "always" keeps no verified-token cache: each request asks introspection', async () => {
    const t = Math.floor(Date.now() / 1000);
    const clock = controlledDate(onTestFinished, t * 1000);
    const auth = createAuth({
      issuer: issuer.url,
      audience: issuer.audience,
      introspection: { ...issuer.introspectionClient, jwt: "always" },
    });
    const token = await issuer.sign();
    expect((await outcome(auth.verify(token))).status).toBe(200);
    issuer.revoke(token);
    // Past the introspection cache's 60 s: a verified-token cache would still answer here.
    clock.set((t + 61) * 1000);
    expect(await outcome(auth.verify(token))).toMatchObject({
      status: 401,
      reason: "token_inactive",
    });
  });
});

describe("strict mode", () => {
  it.each(["client_id", "jti", "sub", "iat"])("strict requires %s", async (claim) => {
    const jwt = new SignJWT({ client_id: "c", jti: "j", sub: "u", [claim]: undefined })
      .setProtectedHeader({ alg: "ES256", typ: "at+jwt" })
      .setIssuer(ISS)
      .setAudience("api")
      .setExpirationTime("5m");
    if (claim !== "iat") jwt.setIssuedAt();
    const token = await jwt.sign((pairs[0] as Pair).privateKey);
    expect(await outcome(local(jwks, { strict: true }).verify(token))).toMatchObject({
      status: 401,
      reason: "missing_claim",
      description: `missing required claim ${claim}`,
    });
  });
});

describe("no unhandled rejection when a cached token meets unavailable keys", () => {
  it("a cached token inside the retry window after a failed refetch: 503, and nothing left unhandled", async () => {
    const unhandled: unknown[] = [];
    const record = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", record);
    onTestFinished(() => {
      process.off("unhandledRejection", record);
    });
    const { idp, t, clock, auth } = await clockedIssuer({
      maxAge: 50,
      minAge: 50,
      staleIfError: 0,
      retryAfter: 10,
    });
    const first = await idp.sign({ sub: "a" }, { expiresIn: 3600 });
    const second = await idp.sign({ sub: "b" }, { expiresIn: 3600 });
    expect((await outcome(auth.verify(first))).status).toBe(200);
    expect((await outcome(auth.verify(second))).status).toBe(200);
    idp.fail("500", { endpoints: ["jwks"] });
    clock.set(t + 60_000); // stale, no stale-if-error: the refetch fails
    expect(await outcome(auth.verify(first))).toMatchObject({ status: 503 });
    clock.set(t + 61_000); // inside retryAfter: the key source answers with a rejection at once
    expect(await outcome(auth.verify(second))).toMatchObject({
      status: 503,
      reason: "key_source_unavailable",
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(unhandled).toEqual([]);
  });
});
