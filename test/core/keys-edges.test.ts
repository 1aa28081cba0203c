/**
 * Key sources at their edges (issue 18: each case was a Stryker survivor of src/core/keys.ts):
 * what the operator is told about ignored keys and failing fetches, and the static key set.
 */
import { exportJWK, generateKeyPair, type JWK } from "jose";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { type AuthError, createAuth } from "../../src/index.js";
import { createTestIssuer, type TestIssuer } from "../../src/testing/index.js";
import { until } from "../support/clock.js";
import { clockedIssuer } from "../support/clocked-issuer.js";

let issuer: TestIssuer;
let good: JWK;

beforeAll(async () => {
  issuer = await createTestIssuer();
  const pair = await generateKeyPair("ES256", { extractable: true });
  good = { ...(await exportJWK(pair.publicKey)), alg: "ES256", kid: "good" };
});
afterAll(() => issuer.close());

function recording() {
  const warnings: string[] = [];
  return { warnings, logger: { warn: (m: string) => warnings.push(m) } };
}

describe("ignored JWKS keys are reported once, naming them", () => {
  it("enc keys and symmetric keys without a secret are ignored and named, 10 at most", async () => {
    const { warnings, logger } = recording();
    const curveless = { kty: "EC", crv: "P-999", x: "AA", y: "AA" };
    const keys = [
      good,
      { ...good, kid: "enc", use: "enc" },
      { kty: "oct", kid: "sym" },
      ...Array.from({ length: 8 }, () => curveless),
    ] as JWK[];
    const auth = createAuth({
      issuer: "https://idp.example.test/",
      audience: "api",
      jwks: { keys },
      logger,
    });
    await auth.warmup();
    await auth.verify("e30.e30.AAAA").catch(() => {});
    expect(warnings).toEqual([
      `scopegate: issuer "https://idp.example.test/": 10 of 11 JWKS keys are ignored ("enc", "sym", (no kid), (no kid), (no kid), (no kid), (no kid), (no kid), (no kid), (no kid)): only public signature keys are used — RSA of 2048–8192 bits with an odd exponent of at most 32 bits, EC on P-256/384/521, Ed25519; no private or symmetric members, use "sig"`,
    ]);
    const more = recording();
    const eleven = [...keys, curveless];
    await createAuth({
      issuer: "https://idp.example.test/",
      audience: "api",
      jwks: { keys: eleven },
      logger: more.logger,
    }).warmup();
    expect(more.warnings[0]).toContain(
      '11 of 12 JWKS keys are ignored ("enc", "sym", (no kid), (no kid), (no kid), (no kid), (no kid), (no kid), (no kid), (no kid), …): only',
    );
  });

  it("a key set with nothing to ignore is not reported", async () => {
    const { warnings, logger } = recording();
    await createAuth({
      issuer: issuer.url,
      audience: issuer.audience,
      jwks: { keys: [good] },
      logger,
    }).warmup();
    expect(warnings).toEqual([]);
  });

  it("a static key set is never fetched: warmup() makes no request", async () => {
    const before = { ...issuer.hits };
    const auth = createAuth({
      issuer: issuer.url,
      audience: issuer.audience,
      jwks: { keys: [good] },
    });
    await auth.warmup();
    expect(issuer.hits.discovery).toBe(before.discovery);
    expect(issuer.hits.jwks).toBe(before.jwks);
  });
});

describe("failing key fetches are reported once per outage", () => {
  it("first outage: '503 (retried after …)'; recovery; a later outage is reported again, with the last good keys serving", async () => {
    const flaky = await createTestIssuer();
    try {
      const { warnings, logger } = recording();
      const auth = createAuth({
        issuer: flaky.url,
        audience: flaky.audience,
        logger,
        cache: { retryAfter: 7 },
      });
      flaky.fail("500", { endpoints: ["jwks"] });
      await expect(auth.warmup()).rejects.toMatchObject({ status: 503 });
      flaky.fail(null);
      await auth.warmup();
      flaky.fail("500", { endpoints: ["jwks"] });
      await expect(auth.warmup()).rejects.toMatchObject({ status: 503 });
      const iss = JSON.stringify(flaky.url);
      expect(warnings).toHaveLength(3);
      expect(warnings[0]).toMatch(
        new RegExp(
          `^scopegate: the keys of issuer ${reEscape(iss)} could not be fetched \\(.+\\); requests get 503 \\(retried after 7 s\\)\\. Check the domain`,
        ),
      );
      expect(warnings[1]).toBe(`scopegate: the keys of issuer ${iss} are available again`);
      expect(warnings[2]).toMatch(/; the last good keys keep serving for now\. Check the domain/);
    } finally {
      await flaky.close();
    }
  });
});

const reEscape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

describe("fetch windows under a controlled clock (each at its exact boundary)", () => {
  /** A fresh issuer and an auth on it; the first request at `t` loads the keys. */
  async function setUp(cache: Record<string, number>) {
    const { idp, t, clock, auth, ask } = await clockedIssuer(cache);
    const token = await idp.sign({}, { expiresIn: 3600 });
    await expect(auth.verify(token)).resolves.toBeDefined();
    const unknownKid = () => idp.sign({}, { kid: "not-published", expiresIn: 3600 });
    return { idp, t, clock, token, unknownKid, ask };
  }

  it("an unknown kid refetches once per cooldown: not at cooldown − 1 ms, again at exactly cooldown", async () => {
    const { idp, t, clock, unknownKid, ask } = await setUp({ cooldown: 30 });
    const kid = await unknownKid();
    expect(await ask(kid)).toMatchObject({ status: 401, reason: "no_matching_key" });
    expect(idp.hits.jwks).toBe(2);
    clock.set(t + 30_000 - 1);
    await ask(kid);
    expect(idp.hits.jwks).toBe(2);
    clock.set(t + 30_000);
    await ask(kid);
    expect(idp.hits.jwks).toBe(3);
  });

  it("after a failed refetch, an unknown kid waits out retryAfter: 503 with the seconds left, then refetches at exactly retryAfter", async () => {
    const { idp, t, clock, unknownKid, ask } = await setUp({ cooldown: 1, retryAfter: 10 });
    const kid = await unknownKid();
    idp.fail("500", { endpoints: ["jwks"] });
    clock.set(t + 2000);
    expect(await ask(kid)).toMatchObject({ status: 503 });
    expect(idp.hits.jwks).toBe(2);
    clock.set(t + 5000);
    const waiting = await ask(kid);
    expect(waiting).toMatchObject({ status: 503, reason: "key_source_unavailable" });
    expect((waiting as AuthError).headers["Retry-After"]).toBe("7");
    expect(idp.hits.jwks).toBe(2);
    idp.fail(null);
    clock.set(t + 12_000);
    expect(await ask(kid)).toMatchObject({ status: 401, reason: "no_matching_key" });
    expect(idp.hits.jwks).toBe(3);
  });

  it("no keys yet and the first fetch failed: 503 until exactly retryAfter, then a fetch again", async () => {
    const { idp, t, clock, ask: verify } = await clockedIssuer({ retryAfter: 10 });
    const token = await idp.sign({}, { expiresIn: 3600 });
    const ask = () => verify(token);
    idp.fail("500", { endpoints: ["jwks"] });
    expect(await ask()).toMatchObject({ status: 503 });
    expect(idp.hits.jwks).toBe(1);
    idp.fail(null);
    clock.set(t + 10_000 - 1);
    const waiting = await ask();
    expect(waiting).toMatchObject({ status: 503, reason: "key_source_unavailable" });
    expect((waiting as AuthError).headers["Retry-After"]).toBe("1");
    expect(idp.hits.jwks).toBe(1);
    clock.set(t + 10_000);
    expect(await ask()).toBe(200);
    expect(idp.hits.jwks).toBe(2);
  });

  it("discovery is fetched again at exactly discoveryMaxAge (with the next key fetch)", async () => {
    const { idp, t, clock, token, ask } = await setUp({
      maxAge: 50,
      minAge: 50,
      discoveryMaxAge: 100,
    });
    expect(idp.hits.discovery).toBe(1);
    clock.set(t + 50_000); // stale at exactly freshUntil: revalidated in the background
    await ask(token);
    await until(() => idp.hits.jwks === 2);
    expect(idp.hits.discovery).toBe(1); // discovery is still fresh
    clock.set(t + 100_000); // stale again, and discovery is due at exactly this instant
    await ask(token);
    await until(() => idp.hits.jwks === 3);
    expect(idp.hits.discovery).toBe(2);
  });

  it("stale keys: revalidation after a failure waits retryAfter; they serve until exactly freshUntil + staleIfError", async () => {
    const { idp, t, clock, token, ask } = await setUp({
      maxAge: 50,
      minAge: 50,
      staleIfError: 100,
      retryAfter: 10,
    });
    const other = await idp.sign({ sub: "other" }, { expiresIn: 3600 });
    idp.fail("500", { endpoints: ["jwks"] });
    clock.set(t + 60_000);
    expect(await ask(token)).toBe(200); // stale, served; the background refetch fails
    await until(() => idp.hits.jwks === 2);
    await new Promise((r) => setTimeout(r, 50)); // let the failure settle
    clock.set(t + 70_000 - 1);
    expect(await ask(other)).toBe(200);
    await new Promise((r) => setTimeout(r, 100)); // a refetch started here would have ended
    clock.set(t + 70_000);
    expect(await ask(other)).toBe(200);
    await until(() => idp.hits.jwks >= 3);
    await new Promise((r) => setTimeout(r, 50));
    expect(idp.hits.jwks).toBe(3); // one refetch per retryAfter: none at retryAfter − 1 ms
    clock.set(t + 150_000 - 1);
    expect(await ask(await idp.sign({ sub: "a" }, { expiresIn: 3600 }))).toBe(200);
    clock.set(t + 150_000);
    expect(await ask(await idp.sign({ sub: "b" }, { expiresIn: 3600 }))).toMatchObject({
      status: 503,
    });
  });
});

describe("a fetched JWKS that is not all keys", () => {
  /** A loopback JWKS endpoint answering `body`; counts its requests. */
  async function serve(body: unknown) {
    const { createServer } = await import("node:http");
    let hits = 0;
    const server = createServer((_req, res) => {
      hits++;
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    onTestFinished(() => new Promise<void>((r) => server.close(() => r())));
    const { port } = server.address() as { port: number };
    const { warnings, logger } = recording();
    const auth = createAuth({
      issuer: `http://127.0.0.1:${port}/`,
      jwksUri: `http://127.0.0.1:${port}/jwks`,
      audience: "api",
      logger,
      cache: { cooldown: 0 },
    });
    return { auth, warnings, hits: () => hits, iss: `http://127.0.0.1:${port}/` };
  }

  it("entries that are not objects are skipped silently; kty-less ones are reported, once per distinct set", async () => {
    const { auth, warnings, hits, iss } = await serve({
      keys: [good, null, "x", 5, { kid: "nokty", x: "AA" }, { kty: 5, kid: "numkty" }],
    });
    await auth.warmup();
    // An unknown kid refetches the same set (cooldown 0): it is not reported again.
    const { SignJWT } = await import("jose");
    const pair = await generateKeyPair("ES256");
    const stranger = await new SignJWT({})
      .setProtectedHeader({ alg: "ES256", kid: "unknown" })
      .setIssuer(iss)
      .setAudience("api")
      .setExpirationTime("5m")
      .sign(pair.privateKey);
    await auth.verify(stranger).catch(() => {});
    expect(hits()).toBe(2);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('2 of 3 JWKS keys are ignored ("nokty", "numkty"): only');
  });

  it("a body without a keys array: the warning says it is not a JWKS", async () => {
    const { auth, warnings } = await serve({ issuer: "x" });
    await expect(auth.warmup()).rejects.toMatchObject({ status: 503 });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("not a JWKS (no keys array)");
  });
});
