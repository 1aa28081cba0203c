import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { type AuthError, type AuthOptions, createAuth } from "../../src/index.js";
import { controlledDate, until } from "../support/clock.js";
import { issuersClosedAfterEach } from "../support/issuers.js";

const start = issuersClosedAfterEach();

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

describe("discovery and key cache", () => {
  it("single-flight: 100 concurrent cold verifications → 1 discovery and 1 JWKS fetch", async () => {
    const issuer = await start();
    const auth = createAuth({ issuer: issuer.url, audience: issuer.audience });
    const tokens = await Promise.all(
      Array.from({ length: 100 }, (_, i) => issuer.sign({ sub: `u${i}` })),
    );
    const results = await Promise.all(tokens.map((t) => auth.verify(t)));
    expect(results).toHaveLength(100);
    expect(issuer.hits).toMatchObject({ discovery: 1, jwks: 1 });
    expect(auth.stats).toMatchObject({ verifications: 100, discoveryFetches: 1, jwksFetches: 1 });
  });

  it("warmup fetches ahead; the first request then costs no fetch", async () => {
    const issuer = await start();
    const auth = createAuth({ issuer: issuer.url, audience: issuer.audience });
    await auth.warmup();
    expect(issuer.hits).toMatchObject({ discovery: 1, jwks: 1 });
    await auth.verify(await issuer.sign());
    expect(issuer.hits).toMatchObject({ discovery: 1, jwks: 1 });
  });

  it("jwksUri skips discovery; a static jwks uses no network at all", async () => {
    const issuer = await start();
    const viaUri = createAuth({
      issuer: issuer.url,
      audience: issuer.audience,
      jwksUri: issuer.jwksUri,
    });
    await viaUri.verify(await issuer.sign());
    expect(issuer.hits).toMatchObject({ discovery: 0, jwks: 1 });
    const fixed = createAuth({
      issuer: issuer.url,
      audience: issuer.audience,
      jwks: issuer.jwks(),
    });
    await fixed.verify(await issuer.sign());
    expect(issuer.hits).toMatchObject({ discovery: 0, jwks: 1 });
  });

  it("a discovery document naming another issuer → 503, never trusted", async () => {
    const issuer = await start();
    issuer.fail("wrong-issuer", { endpoints: ["discovery"] });
    const auth = createAuth({ issuer: issuer.url, audience: issuer.audience });
    await expect(auth.verify(await issuer.sign())).rejects.toMatchObject({ status: 503 });
    expect(issuer.hits.jwks).toBe(0);
  });

  it("key rotation: a token from a new key is accepted at once (unknown kid → one refetch)", async () => {
    const issuer = await start();
    const auth = createAuth({ issuer: issuer.url, audience: issuer.audience });
    await auth.verify(await issuer.sign());
    await issuer.rotateKeys();
    await auth.verify(await issuer.sign());
    expect(issuer.hits.jwks).toBe(2);
  });

  it("unknown-kid cooldown: a storm of random kids costs one fetch per window", async () => {
    const issuer = await start();
    const auth = createAuth({
      issuer: issuer.url,
      audience: issuer.audience,
      cache: { cooldown: 0.3 },
    });
    await auth.verify(await issuer.sign());
    const forged = await Promise.all(
      Array.from({ length: 50 }, (_, i) => issuer.sign({}, { kid: `random-${i}` })),
    );
    const errors = await Promise.all(forged.map((t) => auth.verify(t).catch((e: AuthError) => e)));
    expect(errors.every((e) => (e as AuthError).reason === "no_matching_key")).toBe(true);
    expect(issuer.hits.jwks).toBe(2);
    for (const t of forged.slice(0, 10)) await auth.verify(t).catch(() => {});
    expect(issuer.hits.jwks).toBe(2);
    await sleep(350);
    await auth.verify(forged[0] as string).catch(() => {});
    expect(issuer.hits.jwks).toBe(3);
  });

  it("stale-if-error: keys keep serving while the JWKS is down, recovery without restart", async ({
    onTestFinished,
  }) => {
    const clock = controlledDate(onTestFinished);
    const issuer = await start({ cacheControl: "max-age=0" });
    // The warning is logged when the first failed revalidation settles: a real event to wait on.
    const warnings: string[] = [];
    const auth = createAuth({
      issuer: issuer.url,
      audience: issuer.audience,
      cache: { minAge: 0, maxAge: 0.05, retryAfter: 0.1 },
      logger: { warn: (m: string) => warnings.push(m), debug: () => {} },
    });
    const token = await issuer.sign();
    await auth.verify(token);
    issuer.fail("500", { endpoints: ["jwks"] });
    clock.advance(80); // stale
    for (let i = 0; i < 5; i++) await expect(auth.verify(token)).resolves.toMatchObject({});
    // One background revalidation reached the failing JWKS and failed; the clock standing
    // still within retryAfter, more traffic starts no other.
    await until(() => warnings.length === 1);
    expect(warnings[0]).toMatch(/could not be fetched/);
    for (let i = 0; i < 20; i++) await expect(auth.verify(token)).resolves.toMatchObject({});
    expect(issuer.hits.jwks).toBe(2);
    // Past retryAfter the next request revalidates again: the source is asked once more.
    clock.advance(120);
    await auth.verify(token);
    await until(() => issuer.hits.jwks === 3);
    // Recovery: the fault is gone, a rotated key is picked up by the same Auth (once the
    // attempt in flight has settled and a retry window has passed).
    issuer.fail(null);
    await issuer.rotateKeys();
    const fresh = await issuer.sign({ sub: "after-rotation" });
    let claims: unknown;
    await until(async () => {
      clock.advance(120);
      claims = await auth.verify(fresh).catch(() => undefined);
      return claims !== undefined;
    });
    expect(claims).toMatchObject({ sub: "after-rotation" });
    expect(warnings.at(-1)).toMatch(/available again/);
  });

  it("stale keys expire after cache.staleIfError → 503", async () => {
    const issuer = await start();
    const auth = createAuth({
      issuer: issuer.url,
      audience: issuer.audience,
      cache: { minAge: 0, maxAge: 0.05, staleIfError: 0.1, retryAfter: 0.01 },
    });
    const token = await issuer.sign();
    await auth.verify(token);
    issuer.fail("down");
    await sleep(200);
    await auth.verify(token).catch(() => {});
    await expect(auth.verify(token)).rejects.toMatchObject({ status: 503 });
  });

  it.each(["down", "500", "invalid-json", "oversize", "redirect"] as const)(
    "keys unreachable (%s) and none cached → 503 temporarily_unavailable with Retry-After",
    async (mode) => {
      const issuer = await start();
      issuer.fail(mode);
      const auth = createAuth({
        issuer: issuer.url,
        audience: issuer.audience,
        cache: { retryAfter: 7 },
      });
      const { auth: state } = auth.createAuthContext(bearer(await issuer.sign()));
      const error = await state.require().catch((e: AuthError) => e);
      expect(error).toMatchObject({ status: 503, code: "temporarily_unavailable" });
      expect((error as AuthError).headers).toEqual({ "Retry-After": "7" });
      expect((error as AuthError).toJSON()).toEqual({
        error: "temporarily_unavailable",
        error_description: "the authorization server's keys are temporarily unavailable",
      });
      // No storm: within Retry-After the source is not asked again.
      const hits = issuer.hits.discovery + issuer.hits.jwks;
      await Promise.all(
        Array.from({ length: 20 }, async () => auth.verify(await issuer.sign()).catch(() => {})),
      );
      expect(issuer.hits.discovery + issuer.hits.jwks).toBe(hits);
    },
  );

  it("slow key source beyond the timeout → 503", async () => {
    const issuer = await start();
    issuer.fail("slow", { delayMs: 10_000 });
    const auth = createAuth({
      issuer: issuer.url,
      audience: issuer.audience,
      cache: { timeout: 0.2 },
    });
    const started = Date.now();
    await expect(auth.verify(await issuer.sign())).rejects.toMatchObject({ status: 503 });
    // Cut by the 0.2 s timeout, not the 10 s delay (a 45x margin for a loaded machine).
    expect(Date.now() - started).toBeLessThan(9_000);
  });

  it("RFC 8414 metadata is the fallback when OIDC discovery is 404", async () => {
    const issuer = await start();
    let calls: string[] = [];
    const fetch: typeof globalThis.fetch = async (input, init) => {
      const url = String(input);
      calls.push(new URL(url).pathname);
      if (url.endsWith("/openid-configuration")) return new Response("{}", { status: 404 });
      return globalThis.fetch(input, init);
    };
    const auth = createAuth({ issuer: issuer.url, audience: issuer.audience, fetch });
    await auth.verify(await issuer.sign());
    expect(calls).toEqual([
      "/.well-known/openid-configuration",
      "/.well-known/oauth-authorization-server",
      "/.well-known/jwks.json",
    ]);
    calls = [];
  });
});

describe("multiple issuers", () => {
  it("a list: each issuer's tokens verify with its own keys", async () => {
    const [a, b] = await Promise.all([start(), start({ audience: "https://api.example.test" })]);
    const auth = createAuth({ issuers: [a.url, b.url], audience: "https://api.example.test" });
    await expect(auth.verify(await a.sign())).resolves.toMatchObject({ iss: a.url });
    await expect(auth.verify(await b.sign())).resolves.toMatchObject({ iss: b.url });
    // b's token claiming a's issuer is signed with the wrong keys.
    await expect(auth.verify(await b.sign({ iss: a.url }))).rejects.toMatchObject({ status: 401 });
    expect(a.hits.jwks + b.hits.jwks).toBeLessThanOrEqual(3);
  });

  it("an unlisted issuer causes zero fetches (even one that points at a real issuer)", async () => {
    const [listed, other] = await Promise.all([start(), start()]);
    const auth = createAuth({ issuers: [listed.url], audience: listed.audience });
    await expect(auth.verify(await other.sign())).rejects.toMatchObject({
      status: 401,
      reason: "issuer_not_allowed",
    });
    expect(other.hits).toMatchObject({ discovery: 0, jwks: 0 });
    expect(listed.hits).toMatchObject({ discovery: 0, jwks: 0 });
  });

  it("a resolver sees url, headers and the unverified issuer; unlisted → no fetch", async () => {
    const [a, b] = await Promise.all([start(), start()]);
    const seen: Array<{ url?: string; tenant?: unknown; iss?: string }> = [];
    const auth = createAuth({
      issuers: ({ url, headers, unverifiedIssuer }) => {
        seen.push({ url, tenant: headers("x-tenant"), iss: unverifiedIssuer });
        return headers("x-tenant") === "a" ? [a.url] : [b.url];
      },
      audience: a.audience,
    });
    const ctx = async (tenant: string, token: string) =>
      auth.createAuthContext({
        url: "/graphql",
        headers: { "x-tenant": tenant, authorization: `Bearer ${token}` },
      }).auth;
    await expect((await ctx("a", await a.sign())).require()).resolves.toBeTruthy();
    await expect((await ctx("b", await a.sign())).require()).rejects.toMatchObject({ status: 401 });
    expect(seen[0]).toEqual({ url: "/graphql", tenant: "a", iss: a.url });
    expect(b.hits).toMatchObject({ discovery: 0, jwks: 0 });
  });

  it("domains resolver results are normalised like domain; a throwing resolver → 500 server_error", async () => {
    const issuer = await start();
    const bad = createAuth({
      domains: () => {
        throw new Error("database down: secret detail");
      },
      audience: issuer.audience,
    });
    const error = await bad.verify(await issuer.sign()).catch((e: AuthError) => e);
    expect(error).toMatchObject({ status: 500, code: "server_error" });
    expect(JSON.stringify(error)).not.toContain("secret detail");
    expect((error as AuthError).cause).toBeInstanceOf(Error);
    const http = createAuth({
      domains: async () => ["https://x.example"],
      audience: issuer.audience,
    });
    await expect(http.verify(await issuer.sign())).rejects.toMatchObject({ status: 500 });
  });
});

describe("laziness", () => {
  it("a context nobody asks → 0 verifications and 0 fetches", async () => {
    const issuer = await start();
    const auth = createAuth({
      issuer: issuer.url,
      audience: issuer.audience,
    } satisfies AuthOptions);
    for (let i = 0; i < 10; i++) auth.createAuthContext(bearer(await issuer.sign()));
    auth.createAuthContext({ headers: { authorization: "Basic xyz" } });
    expect(auth.stats.verifications).toBe(0);
    expect(issuer.hits).toMatchObject({ discovery: 0, jwks: 0 });
  });

  it("many questions on one context → 1 verification", async () => {
    const issuer = await start();
    const auth = createAuth({ issuer: issuer.url, audience: issuer.audience });
    const { auth: state } = auth.createAuthContext(bearer(await issuer.sign({ scope: "a" })));
    expect(state.token).toBeTypeOf("string");
    expect(state.scheme).toBe("Bearer");
    await Promise.all([
      state.require(),
      state.claims(),
      state.hasScopes("a"),
      state.isAuthenticated(),
      state.hasPermissions("x"),
    ]);
    await state.requireScopes("a");
    expect(auth.stats.verifications).toBe(1);
  });

  it("claims() is null and isAuthenticated() false for a bad or missing token", async () => {
    const issuer = await start();
    const auth = createAuth({ issuer: issuer.url, audience: issuer.audience });
    const missing = auth.createAuthContext({ headers: {} }).auth;
    expect(await missing.claims()).toBeNull();
    expect(await missing.isAuthenticated()).toBe(false);
    expect(missing.token).toBeNull();
    const bad = auth.createAuthContext(bearer(await issuer.sign({}, { expiresIn: -100 }))).auth;
    expect(await bad.claims()).toBeNull();
    expect(await bad.hasScopes()).toBe(false);
  });
});
