/**
 * Key-source faults: the test issuer's discovery / JWKS endpoints go down, slow, 500, invalid
 * JSON, oversized, redirected, or name another issuer; a JWKS mixes broken and good keys. For
 * each: what the client gets (503 + Retry-After when nothing usable is cached, cached keys
 * keep serving when a refresh fails, 401 when a key is just absent), recovery without a
 * restart once the fault is gone, and bounded fetch counts (no request storm).
 */
import { Agent, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { type AccessTokenClaims, type Auth, type AuthOptions, createAuth } from "scopegate";
import {
  createTestIssuer,
  type FailableEndpoint,
  type TestFailure,
  type TestIssuer,
} from "scopegate/testing";
import { describe, expect, it, type TestContext, vi } from "vitest";
import { labKey, type Running, send, startNodeServer } from "./support.js";

// The inline vitest projects do not inherit the root testTimeout; these tests wait on purpose.
vi.setConfig({ testTimeout: 30_000 });

type Closable = { close(): Promise<void> };
type OnFinished = TestContext["onTestFinished"];

/** Per-test cleanup (tests of a matrix run concurrently, so no shared afterEach list). */
function tracker(onTestFinished: OnFinished) {
  return async <T extends Closable>(p: Promise<T>): Promise<T> => {
    const v = await p;
    onTestFinished(async () => {
      await v.close();
    });
    return v;
  };
}

/** Short cache settings so faults, expiry and recovery happen within a test. */
const FAST = { maxAge: 0.05, minAge: 0, retryAfter: 0.5, timeout: 0.2, cooldown: 0.5 };

function authFor(issuer: TestIssuer, extra: Partial<AuthOptions> = {}): Auth<AccessTokenClaims> {
  return createAuth({
    issuer: issuer.url,
    audience: issuer.audience,
    ...extra,
    cache: { ...FAST, ...extra.cache },
  } as AuthOptions);
}

/** `ok`, or `status/reason`, of one verification. */
const outcome = (auth: Auth<AccessTokenClaims>, token: string) =>
  auth.verify(token).then(
    () => "ok",
    (e: { status: number; reason: string }) => `${e.status}/${e.reason}`,
  );

/** Signs `n` distinct tokens ahead of a burst (signing is not what is measured). */
const tokensFor = (issuer: TestIssuer, n = 100) =>
  Promise.all(Array.from({ length: n }, (_, i) => issuer.sign({ n: i })));

/** Concurrent requests over real HTTP, one per token. */
async function burst(server: Running, tokens: string[]) {
  const agent = new Agent({ keepAlive: true, maxSockets: 50 });
  try {
    return await Promise.all(
      tokens.map((t) =>
        send(`${server.origin}/resource`, { headers: { authorization: `Bearer ${t}` } }, agent),
      ),
    );
  } finally {
    agent.destroy();
  }
}

/** Waits until `check()` passes (recovery happens in the background). */
async function eventually(check: () => Promise<boolean>, ms = 5_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error("did not recover in time");
    await sleep(50);
  }
}

const MODES: Array<[TestFailure, FailableEndpoint[]]> = [
  ["down", ["discovery", "jwks"]],
  ["down", ["jwks"]],
  ["slow", ["discovery", "jwks"]],
  ["slow", ["jwks"]],
  ["500", ["discovery", "jwks"]],
  ["500", ["jwks"]],
  ["invalid-json", ["discovery", "jwks"]],
  ["invalid-json", ["jwks"]],
  ["oversize", ["discovery", "jwks"]],
  ["oversize", ["jwks"]],
  ["redirect", ["discovery", "jwks"]],
  ["redirect", ["jwks"]],
  ["wrong-issuer", ["discovery"]],
];

describe.concurrent("nothing cached: 503 + Retry-After, one attempt per retry window, recovery without restart", () => {
  it.for(MODES)("%s on %j", async ([mode, endpoints], { onTestFinished }) => {
    const track = tracker(onTestFinished);
    const retryAfter = 1;
    const issuer = await track(createTestIssuer());
    // Long-lived keys: this test counts fault handling, not revalidation.
    // timeout 1 s: with the tests of this block running concurrently, a healthy discovery
    // must not time out on a loaded machine before the failing JWKS is reached ("slow" is 10 s).
    const auth = authFor(issuer, { cache: { retryAfter, maxAge: 600, minAge: 600, timeout: 1 } });
    const server = await track(startNodeServer(auth));
    const tokens = await tokensFor(issuer);
    issuer.fail(mode, { endpoints, delayMs: 10_000 });
    const failing = endpoints.includes("discovery") ? "discovery" : "jwks";
    /**
     * At most one attempt per retryAfter window since the first one; a connection dropped
     * before any response ("down") is retried once within the attempt (see fetch.ts).
     */
    const perAttempt = mode === "down" ? 2 : 1;
    const bound = (since: number) =>
      perAttempt * (1 + Math.floor((Date.now() - since) / (retryAfter * 1000)));

    const started = Date.now();
    const first = await burst(server, tokens);
    for (const res of first) {
      expect(res.status).toBe(503);
      expect(res.headers["retry-after"]).toBe(String(retryAfter));
      expect(res.headers["www-authenticate"]).toBeUndefined();
      expect(res.json()).toMatchObject({
        error: "temporarily_unavailable",
        reason: "key_source_unavailable",
      });
    }
    // Single flight: 100 concurrent cold requests, one attempt per window.
    expect(issuer.hits[failing]).toBeGreaterThanOrEqual(1);
    expect(issuer.hits[failing]).toBeLessThanOrEqual(bound(started));
    if (failing === "discovery") expect(issuer.hits.jwks).toBe(0);
    // "slow" is cut by the 1 s timeout, not the 10 s delay: a slow answer is a valid document,
    // so without the timeout these requests would have waited for it and got 200, not 503.
    // (No wall-clock bound: a 9 s one failed at 9.4 s for "down" under mutation-testing load.)

    const second = await burst(server, tokens.slice(0, 20));
    expect(new Set(second.map((r) => r.status))).toEqual(new Set([503]));
    expect(issuer.hits[failing]).toBeLessThanOrEqual(bound(started));

    // Recovery without restart: the same Auth serves once the window has passed.
    issuer.fail(null);
    await eventually(async () => (await outcome(auth, tokens[0] as string)) === "ok");
    const after = await burst(server, tokens.slice(0, 20));
    expect(new Set(after.map((r) => r.status))).toEqual(new Set([200]));
    expect(issuer.hits.discovery + issuer.hits.jwks).toBeLessThanOrEqual(bound(started) + 2);
  });
});

/**
 * A controlled clock for one test: only `Date` is faked (sockets and real timers keep running),
 * so the cache's freshness, retry and stale-if-error windows move only when the test says so.
 * The tests using it run one after another (the fake clock is global to the worker).
 */
function controlledDate(onTestFinished: OnFinished) {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(Date.now());
  onTestFinished(() => {
    vi.useRealTimers();
  });
  return (ms: number) => vi.setSystemTime(Date.now() + ms);
}

/** Retries `check()` (a real event: the background fetch settling) while moving the clock. */
async function recoversWhileAdvancing(
  check: () => Promise<boolean>,
  advance: (ms: number) => void,
) {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    advance(100);
    await sleep(25);
  }
  throw new Error("did not recover within 200 retry windows");
}

// Not concurrent: these tests move a fake Date.
describe("keys cached: a failed refresh keeps serving them (stale-if-error), bounded retries", () => {
  it.for(MODES)("%s on %j", async ([mode, endpoints], { onTestFinished }) => {
    const track = tracker(onTestFinished);
    const advance = controlledDate(onTestFinished);
    const issuer = await track(createTestIssuer());
    // discoveryMaxAge 0: every refresh re-reads discovery, so discovery faults count too.
    // timeout 1 s: the healthy warm-up must not time out on a loaded machine ("slow" is 10 s).
    // staleIfError 600: this test counts retries, not the stale bound (tested below).
    const auth = authFor(issuer, {
      cache: { discoveryMaxAge: 0, retryAfter: 0.1, timeout: 1, staleIfError: 600 },
    });
    const server = await track(startNodeServer(auth));
    await auth.warmup();
    issuer.resetHits();
    issuer.fail(mode, { endpoints, delayMs: 10_000 });
    advance(100); // the keys are stale now (maxAge 0.05 s)

    const tokens = await tokensFor(issuer, 20);
    /**
     * Within one retry window (the clock does not move) at most one background revalidation
     * starts, however many requests come; the test then moves the clock by exactly one window.
     * A dropped connection ("down") is retried once within an attempt (see fetch.ts); an
     * attempt whose discovery fails never reaches the JWKS.
     */
    const perFetch = mode === "down" ? 2 : 1;
    const perAttempt = endpoints.includes("discovery") ? perFetch : 1 + perFetch;
    const WINDOWS = 4;
    for (let w = 0; w < WINDOWS; w++) {
      for (let round = 0; round < 3; round++) {
        const res = await burst(server, tokens);
        expect(new Set(res.map((r) => r.status))).toEqual(new Set([200]));
        await sleep(30); // a failed attempt has time to settle and could be retried at once
      }
      advance(100);
    }
    // The first attempt has reached the issuer (it runs in the background).
    await eventually(async () => issuer.hits.discovery + issuer.hits.jwks > 0);
    const attempts = issuer.hits.discovery + issuer.hits.jwks;
    expect(attempts).toBeLessThanOrEqual(perAttempt * WINDOWS);

    // Recovery: once the fault is gone, a key rotated meanwhile is picked up.
    issuer.fail(null);
    await issuer.rotateKeys();
    const fresh = await issuer.sign();
    await recoversWhileAdvancing(async () => (await outcome(auth, fresh)) === "ok", advance);
  });

  it("stale-if-error is bounded: past staleIfError the old keys stop serving (503)", async ({
    onTestFinished,
  }) => {
    const track = tracker(onTestFinished);
    const advance = controlledDate(onTestFinished);
    const issuer = await track(createTestIssuer());
    // maxAge 0.05 s + staleIfError 0.3 s: the old keys serve until 0.35 s after the fetch.
    const auth = authFor(issuer, { cache: { staleIfError: 0.3, retryAfter: 0.1 } });
    await auth.warmup();
    issuer.fail("down");
    advance(100);
    expect(await outcome(auth, await issuer.sign())).toBe("ok");
    advance(249); // 0.349 s: still within the bound
    expect(await outcome(auth, await issuer.sign())).toBe("ok");
    advance(2); // 0.351 s: past it
    expect(await outcome(auth, await issuer.sign())).toBe("503/key_source_unavailable");
    issuer.fail(null);
    const token = await issuer.sign();
    await recoversWhileAdvancing(async () => (await outcome(auth, token)) === "ok", advance);
  });
});

describe("a key that is just absent", () => {
  it("healthy source: 401 no_matching_key; 100 concurrent random kids cost one refetch", async ({
    onTestFinished,
  }) => {
    const track = tracker(onTestFinished);
    const issuer = await track(createTestIssuer());
    const auth = authFor(issuer, { cache: { cooldown: 30 } });
    await auth.warmup();
    issuer.resetHits();
    const tokens = await Promise.all(
      Array.from({ length: 100 }, (_, i) => issuer.sign({}, { kid: `random-${i}` })),
    );
    const results = await Promise.all(tokens.map((t) => outcome(auth, t)));
    expect(new Set(results)).toEqual(new Set(["401/no_matching_key"]));
    expect(issuer.hits).toMatchObject({ discovery: 0, jwks: 1 });
  });

  it("during an outage: the first unknown kid gets 503 (the refetch failed), then 401 within the cooldown; known keys keep serving", async ({
    onTestFinished,
  }) => {
    const track = tracker(onTestFinished);
    const issuer = await track(createTestIssuer());
    const auth = authFor(issuer, { cache: { maxAge: 600, minAge: 600, cooldown: 30 } });
    await auth.warmup();
    issuer.fail("down");
    issuer.resetHits();
    expect(await outcome(auth, await issuer.sign({}, { kid: "absent-1" }))).toBe(
      "503/key_source_unavailable",
    );
    const more = await Promise.all(
      Array.from({ length: 50 }, async (_, i) =>
        outcome(auth, await issuer.sign({}, { kid: `absent-${i + 2}` })),
      ),
    );
    expect(new Set(more)).toEqual(new Set(["401/no_matching_key"]));
    expect(await outcome(auth, await issuer.sign())).toBe("ok");
    // One refetch attempt: the dropped connection plus its single retry on a fresh one.
    expect(issuer.hits.jwks).toBe(2);
  });
});

describe("a JWKS mixing broken and good keys", () => {
  const weak = labKey("weak-1024", { rsa: 1024 });

  /** Real fetch to the issuer; broken keys are put in front of the good ones. */
  function mixing(): typeof globalThis.fetch {
    return async (input, init) => {
      const response = await globalThis.fetch(input, init);
      if (!String(input).endsWith("/jwks.json")) return response;
      const { keys } = (await response.json()) as { keys: Array<Record<string, unknown>> };
      const good = keys[0] as Record<string, unknown>;
      const broken = [
        null,
        5,
        "a string",
        [],
        {},
        { kty: 42 },
        { ...good, n: "!!not base64url!!" }, // same kid as the good key, listed first
        { ...good, kid: "broken-n", n: "AQAB" },
        { ...good, kid: "with-private", d: "AAAA" },
        { ...good, kid: "enc-only", use: "enc" },
        { ...good, kid: "no-verify", key_ops: ["encrypt"] },
        { kty: "oct", kid: "oct", k: "c2VjcmV0" },
        { kty: "EC", crv: "P-256", kid: "off-curve", x: "AAAA", y: "AAAA" },
        { kty: "OKP", crv: "X25519", kid: "x25519", x: "AAAA" },
        { ...weak.jwk },
        { __proto__: { kty: "RSA" }, kid: "proto" },
      ];
      return new Response(JSON.stringify({ keys: [...broken, ...keys] }), {
        status: 200,
        headers: { "content-type": "application/json" },
      });
    };
  }

  it("good tokens verify; tokens naming a broken key get 401, never 500 or 503", async ({
    onTestFinished,
  }) => {
    const track = tracker(onTestFinished);
    const issuer = await track(createTestIssuer());
    const auth = authFor(issuer, {
      fetch: mixing(),
      cache: { maxAge: 600, minAge: 600, cooldown: 600 },
    });
    expect(await outcome(auth, await issuer.sign())).toBe("ok");
    for (const kid of [
      "broken-n",
      "with-private",
      "enc-only",
      "no-verify",
      "oct",
      "off-curve",
      "x25519",
      "proto",
    ]) {
      expect(await outcome(auth, await issuer.sign({}, { kid }))).toMatch(/^401\//);
    }
    const viaWeak = await issuer.sign({}, { key: weak.privateKey, alg: "RS256", kid: weak.kid });
    // Dropped when the key set is loaded (outside the 2048–8192-bit bounds): no key matches.
    expect(await outcome(auth, viaWeak)).toBe("401/no_matching_key");
    expect(await outcome(auth, await issuer.sign({}, { alg: "ES256" }))).toBe(
      "401/no_matching_key",
    );
    expect(auth.stats.jwksFetches).toBeLessThanOrEqual(2);
  });

  it("keys not an array → 503; an empty key list → 401 no_matching_key", async ({
    onTestFinished,
  }) => {
    const track = tracker(onTestFinished);
    const issuer = await track(createTestIssuer());
    const body =
      (json: unknown): typeof globalThis.fetch =>
      async (input, init) =>
        String(input).endsWith("/jwks.json")
          ? new Response(JSON.stringify(json), { status: 200 })
          : globalThis.fetch(input, init);
    const notArray = authFor(issuer, { fetch: body({ keys: { 0: {} } }) });
    expect(await outcome(notArray, await issuer.sign())).toBe("503/key_source_unavailable");
    const empty = authFor(issuer, { fetch: body({ keys: [] }) });
    expect(await outcome(empty, await issuer.sign())).toBe("401/no_matching_key");
  });
});

describe("discovery documents that must not be trusted", () => {
  function discoveryWith(patch: Record<string, unknown>): typeof globalThis.fetch {
    return async (input, init) => {
      const response = await globalThis.fetch(input, init);
      if (!String(input).includes("/.well-known/openid-configuration")) return response;
      const doc = (await response.json()) as Record<string, unknown>;
      return new Response(JSON.stringify({ ...doc, ...patch }), { status: 200 });
    };
  }

  it.each([
    ["issuer differs (trailing slash)", { issuer: "ISSUER_NO_SLASH" }],
    ["issuer differs (another host)", { issuer: "https://evil.example/" }],
    ["issuer missing", { issuer: undefined }],
    ["jwks_uri on plain http to a non-loopback host", { jwks_uri: "http://evil.example/jwks" }],
    ["jwks_uri with a file: scheme", { jwks_uri: "file:///etc/passwd" }],
    ["jwks_uri not a string", { jwks_uri: ["https://evil.example/jwks"] }],
  ])("%s → 503, the JWKS is never fetched", async (_name, patch) => {
    const issuer = await createTestIssuer();
    try {
      const fixed = Object.fromEntries(
        Object.entries(patch).map(([k, v]) => [
          k,
          v === "ISSUER_NO_SLASH" ? issuer.url.replace(/\/$/, "") : v,
        ]),
      );
      const auth = authFor(issuer, { fetch: discoveryWith(fixed) });
      expect(await outcome(auth, await issuer.sign())).toBe("503/key_source_unavailable");
      expect(issuer.hits.jwks).toBe(0);
    } finally {
      await issuer.close();
    }
  });
});

describe("an https issuer's discovery may not send us to plain http", () => {
  it("jwks_uri on http loopback for an https issuer → 503, the JWKS is never fetched", async () => {
    const issuer = await createTestIssuer();
    try {
      const https = "https://idp.example.test/";
      // The https issuer's discovery document (served through the `fetch` option) names the
      // local test issuer's real JWKS over plain http.
      const fetchFn: typeof globalThis.fetch = async (input, init) =>
        String(input) === `${https}.well-known/openid-configuration`
          ? new Response(JSON.stringify({ issuer: https, jwks_uri: issuer.jwksUri }), {
              status: 200,
              headers: { "content-type": "application/json" },
            })
          : globalThis.fetch(input, init);
      const auth = createAuth({
        issuer: https,
        audience: issuer.audience,
        fetch: fetchFn,
        cache: FAST,
      });
      expect(await outcome(auth, await issuer.sign({ iss: https }))).toBe(
        "503/key_source_unavailable",
      );
      expect(issuer.hits.jwks).toBe(0);
      // The same JWKS named by the local http issuer itself is fine.
      expect(await outcome(authFor(issuer), await issuer.sign())).toBe("ok");
    } finally {
      await issuer.close();
    }
  });
});

describe("transport limits", () => {
  /** A tiny server on 127.0.0.1 for answers the test issuer does not make. */
  async function tinyServer(
    handler: Parameters<typeof createServer>[1],
  ): Promise<{ url: string; close(): Promise<void> }> {
    const server = createServer(handler);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}/jwks.json`,
      close: () =>
        new Promise<void>((r) => {
          server.closeAllConnections();
          server.close(() => r());
        }),
    };
  }

  it("a redirect to another issuer's JWKS is not followed (its hits stay 0)", async ({
    onTestFinished,
  }) => {
    const track = tracker(onTestFinished);
    const [issuer, other] = await Promise.all([
      track(createTestIssuer()),
      track(createTestIssuer()),
    ]);
    const redirector = await track(
      tinyServer((_req, res) => {
        res.writeHead(302, { location: other.jwksUri }).end();
      }),
    );
    const auth = authFor(issuer, { jwksUri: redirector.url });
    expect(await outcome(auth, await other.sign({ iss: issuer.url }))).toBe(
      "503/key_source_unavailable",
    );
    expect(other.hits).toEqual({ discovery: 0, jwks: 0, token: 0, introspection: 0 });
  });

  it("a chunked body over maxResponseBytes (no Content-Length) is cut off → 503", async ({
    onTestFinished,
  }) => {
    const track = tracker(onTestFinished);
    const issuer = await track(createTestIssuer());
    let written = 0;
    const streamer = await track(
      tinyServer((_req, res) => {
        // Chunked (no Content-Length), 64 KiB per millisecond up to 8 MiB, whatever the
        // client reads: only the client's cap can stop it early.
        res.writeHead(200, { "content-type": "application/json" });
        res.write('{"keys":[],"padding":"');
        const chunk = "x".repeat(64 * 1024);
        const timer = setInterval(() => {
          written += chunk.length;
          res.write(chunk);
          if (written >= 8 * 1024 * 1024) {
            clearInterval(timer);
            res.end('"}');
          }
        }, 1);
        res.on("close", () => clearInterval(timer));
      }),
    );
    const auth = authFor(issuer, {
      jwksUri: streamer.url,
      cache: { maxResponseBytes: 64 * 1024, timeout: 2 },
    });
    expect(await outcome(auth, await issuer.sign())).toBe("503/key_source_unavailable");
    // The reader stopped near the cap instead of reading the 8 MiB.
    expect(written).toBeLessThan(4 * 1024 * 1024);
  });

  it("a body under the cap verifies; the same body over a lower cap → 503", async ({
    onTestFinished,
  }) => {
    const track = tracker(onTestFinished);
    const issuer = await track(createTestIssuer());
    const size = JSON.stringify(issuer.jwks()).length;
    const fits = authFor(issuer, {
      jwksUri: issuer.jwksUri,
      cache: { maxResponseBytes: size + 64 },
    });
    expect(await outcome(fits, await issuer.sign())).toBe("ok");
    const tight = authFor(issuer, {
      jwksUri: issuer.jwksUri,
      cache: { maxResponseBytes: size - 1 },
    });
    expect(await outcome(tight, await issuer.sign())).toBe("503/key_source_unavailable");
  });
});
