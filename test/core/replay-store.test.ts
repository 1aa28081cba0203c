import { createHash } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { ReplayStoreFullError } from "../../src/core/replay.js";
import {
  type Auth,
  type AuthError,
  ConfigurationError,
  createAuth,
  createMemoryReplayStore,
  createNonceProvider,
  type ReplayStore,
} from "../../src/index.js";
import { createTestIssuer, type DpopKeyPair, type TestIssuer } from "../../src/testing/index.js";
import { countTablePasses, freezeAt, runModel, tryAdd } from "../support/replay-model.js";

const URL_ = "https://api.example.com/things/1";
/** A whole second, so expiries (whole seconds, rounded up) fall exactly `ttl` after it. */
const T0 = Math.floor(Date.now() / 1000) * 1000;

const advance = (seconds: number) => vi.setSystemTime(Date.now() + seconds * 1000);
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** The keys scopegate passes: `dpop:` + base64url(SHA-256(htu + " " + jti)). */
const proofKey = (i: number) =>
  `dpop:${createHash("sha256").update(`${URL_} jti-${i}`).digest("base64url")}`;

describe("createMemoryReplayStore", () => {
  it("first add is true, a second add false; once expired the key is accepted again", () => {
    freezeAt(T0);
    const store = createMemoryReplayStore();
    expect(store.add("k", 10)).toBe(true);
    expect(store.add("k", 10)).toBe(false);
    expect(store.add("other", 10)).toBe(true);
    advance(9.9);
    expect(store.add("k", 10)).toBe(false);
    advance(0.2); // 10.1 s after the first add
    expect(store.add("k", 10)).toBe(true);
    expect(store.add("k", 10)).toBe(false);
  });

  it("a key lives at least its ttlSeconds and at most 1 s more, whatever the sub-second clock", () => {
    freezeAt(T0 + 700);
    const store = createMemoryReplayStore();
    expect(store.add("k", 2.5)).toBe(true);
    advance(2.49);
    expect(store.add("k", 2.5)).toBe(false);
    advance(1.02); // 3.51 s after
    expect(store.add("k", 2.5)).toBe(true);
  });

  it("a ttlSeconds ≤ 0, NaN or -Infinity still records the key for 1 s; Infinity for good", () => {
    freezeAt(T0);
    const store = createMemoryReplayStore();
    const ttls = [0, -5, Number.NaN, Number.NEGATIVE_INFINITY, 0.2];
    for (const [i, ttl] of ttls.entries()) {
      expect(store.add(`short-${i}`, ttl)).toBe(true);
      expect(store.add(`short-${i}`, ttl)).toBe(false);
    }
    expect(store.add("forever", Number.POSITIVE_INFINITY)).toBe(true);
    advance(0.99);
    for (const i of ttls.keys()) expect(store.add(`short-${i}`, 1)).toBe(false);
    advance(0.02);
    for (const i of ttls.keys()) expect(store.add(`short-${i}`, 1)).toBe(true);
    advance(10 * 365 * 86_400);
    expect(store.add("forever", 1)).toBe(false);
  });

  it("a clock that goes back keeps refusing replays; one past 2106 fails closed (RangeError)", () => {
    freezeAt(T0);
    const store = createMemoryReplayStore({ maxEntries: 10 });
    expect(store.add("k", 300)).toBe(true);
    vi.setSystemTime(T0 - 3_600_000);
    expect(store.add("k", 300)).toBe(false);
    expect(store.add("new", 300)).toBe(true);
    vi.setSystemTime(T0 + 301_000);
    expect(store.add("k", 300)).toBe(true);
    vi.setSystemTime(Date.UTC(2106, 1, 8));
    expect(() => store.add("later", 300)).toThrow(RangeError);
  });

  it("refuses a key that is not a string and a TTL that is not a number (TypeError)", () => {
    const store = createMemoryReplayStore();
    expect(() => store.add(42 as unknown as string, 10)).toThrow(TypeError);
    expect(() => store.add("k", "300" as unknown as number)).toThrow(TypeError);
  });

  it("draws its random seeds and allocates its table on the first add, not when created", () => {
    // workerd refuses randomness at global scope, where createAuth is often called.
    const random = vi.spyOn(crypto, "getRandomValues");
    const store = createMemoryReplayStore();
    expect(random).not.toHaveBeenCalled();
    expect(store.add("k", 10)).toBe(true);
    expect(random).toHaveBeenCalledTimes(1);
  });

  it("maxEntries must be an integer from 1 to 2^26", () => {
    for (const bad of [0, -1, 1.5, Number.NaN, 2 ** 26 + 1, "10"]) {
      expect(() => createMemoryReplayStore({ maxEntries: bad as number })).toThrow(
        ConfigurationError,
      );
    }
    expect(() => createMemoryReplayStore({ maxEntries: 1 })).not.toThrow();
  });

  it("growth keeps every live key: 100 000 distinct keys, then every re-add is a replay", () => {
    const store = createMemoryReplayStore();
    const N = 100_000;
    let fresh = 0;
    for (let i = 0; i < N; i++) if (store.add(proofKey(i), 330)) fresh++;
    expect(fresh).toBe(N);
    let replays = 0;
    for (let i = 0; i < N; i++) if (store.add(proofKey(i), 330) === false) replays++;
    expect(replays).toBe(N);
    // Short and non-ASCII keys too (any string works, by its UTF-16 code units).
    for (const k of ["", "a", "é", "😀", "dpop:", "\u0000", "ab", "ba"]) {
      expect(store.add(k, 330)).toBe(true);
      expect(store.add(k, 330)).toBe(false);
    }
  });

  it("when full of live entries it refuses new keys (never evicts) and still refuses replays", () => {
    freezeAt(T0);
    const store = createMemoryReplayStore({ maxEntries: 1000 });
    for (let i = 0; i < 1000; i++) expect(store.add(`k${i}`, 300)).toBe(true);
    expect(tryAdd(store, "new", 300)).toEqual({ full: 300 });
    expect(() => store.add("new", 300)).toThrow(ReplayStoreFullError);
    for (let i = 0; i < 1000; i++) expect(store.add(`k${i}`, 300)).toBe(false);
    advance(100);
    expect(tryAdd(store, "new", 300)).toEqual({ full: 200 });
    advance(200); // the first 1000 expire now
    expect(store.add("new", 300)).toBe(true);
    for (let i = 0; i < 999; i++) expect(store.add(`fill${i}`, 300)).toBe(true);
    expect(tryAdd(store, "one-too-many", 300)).toEqual({ full: 300 });
    // Expired entries are reused: the old keys are fresh again, and the new ones still held.
    expect(store.add("fill0", 300)).toBe(false);
    expect(store.add("new", 300)).toBe(false);
  });

  it("frees room as the earliest entries expire, one second at a time", () => {
    freezeAt(T0);
    const store = createMemoryReplayStore({ maxEntries: 100 });
    for (let i = 0; i < 100; i++) expect(store.add(`k${i}`, 10 + (i % 5))).toBe(true);
    expect(tryAdd(store, "x", 30)).toEqual({ full: 10 });
    advance(10); // 20 entries (ttl 10) expire
    for (let i = 0; i < 20; i++) expect(store.add(`x${i}`, 30)).toBe(true);
    expect(tryAdd(store, "x-more", 30)).toEqual({ full: 1 });
    advance(1);
    expect(store.add("x-more", 30)).toBe(true);
  });

  it("matches a reference model exactly: replays, expiry, refusal and Retry-After (random runs)", () => {
    let sweeps = 0;
    let rebuilds = 0;
    for (const seed of [1, 2, 3, 4]) {
      const maxEntries = seed % 2 === 0 ? 5000 : 300;
      const paces = [0.0002, 0.001, 0.005, 0.3];
      const run = runModel(
        { seed, maxEntries, ops: 60_000, keySpace: 50_000, maxTtl: 20, paces },
        T0,
      );
      // Each run went through every state: full, replays, and table passes.
      expect(run.full).toBeGreaterThan(1000);
      expect(run.replays).toBeGreaterThan(5000);
      rebuilds += run.rebuild;
      sweeps += run.sweepInPlace;
    }
    // Sweeps in place (≥ 12 per run of 300 entries) and rebuilds (growth from 4 096 slots to
    // 16 384 for 5 000 entries, and shrinking back); how many depends on the random seeds.
    expect(sweeps).toBeGreaterThan(10);
    expect(rebuilds).toBeGreaterThan(3);
  });

  it("a refused add under a full store is cheap: 100 000 refusals, no sweep each", () => {
    freezeAt(T0);
    const max = 2 ** 17; // a 262 144-slot table: a sweep per refusal would take minutes
    const store = createMemoryReplayStore({ maxEntries: max });
    for (let i = 0; i < max; i++) store.add(`live-${i}`, 300);
    advance(5);
    const passes = countTablePasses(store);
    let refused = 0;
    const started = performance.now();
    for (let i = 0; i < 100_000; i++) {
      const r = tryAdd(store, `attack-${i}`, 300);
      if (typeof r === "object" && r.full === 295) refused++;
      if (i % 10_000 === 0) advance(0.001); // the clock moves on; nothing expires yet
    }
    const ms = performance.now() - started;
    expect(refused).toBe(100_000);
    // The live count is kept by expiry second, so a refusal is one lookup: no table pass.
    expect(passes.counts()).toEqual({ makeRoom: 0, rebuild: 0, sweepInPlace: 0 });
    // ~1 s here, nearly all of it building the 100 000 errors; the pass counts above are the
    // exact check, this only catches a quadratic blow-up (minutes), with room for load.
    expect(ms).toBeLessThan(15_000);
    expect(store.add("live-0", 300)).toBe(false);
    passes.restore();
  });
});

describe("through createAuth (DPoP)", () => {
  let issuer: TestIssuer;
  let key: DpopKeyPair;
  let token: string;

  beforeAll(async () => {
    issuer = await createTestIssuer();
    key = await issuer.dpopKey();
    token = await issuer.sign({ scope: "read" }, { dpopJkt: key.thumbprint, expiresIn: 7200 });
  });
  afterAll(() => issuer.close());

  const proof = (nonce?: string) =>
    issuer.dpopProof({ key, method: "GET", url: URL_, accessToken: token, nonce });
  const makeAuth = (replayStore: ReplayStore, nonce?: ReturnType<typeof createNonceProvider>) =>
    createAuth({
      issuer: issuer.url,
      audience: issuer.audience,
      dpop: { replayStore, ...(nonce ? { nonce } : {}) },
    });
  async function call(auth: Auth<unknown>, dpop: string) {
    const { auth: state } = auth.createAuthContext({
      method: "GET",
      url: URL_,
      headers: { authorization: `DPoP ${token}`, dpop },
    });
    return state.require().then(
      () => ({ status: 200 }) as const,
      (e: AuthError) => ({
        status: e.status,
        code: e.code,
        reason: e.reason,
        description: e.description,
        retryAfter: e.headers["Retry-After"],
      }),
    );
  }

  it("an in-window proof is refused after 120 000 other proofs (the old store forgot it after 100 000)", async () => {
    const store = createMemoryReplayStore();
    const auth = makeAuth(store);
    const first = await proof();
    expect(await call(auth, first)).toEqual({ status: 200 });
    for (let i = 0; i < 120_000; i++) {
      if (store.add(proofKey(i), 330) !== true) throw new Error(`other proof ${i} refused`);
    }
    expect(await call(auth, first)).toMatchObject({
      status: 400,
      code: "invalid_dpop_proof",
      reason: "dpop_replay",
    });
  });

  it("a full store answers 503 + Retry-After (nonces on or off), keeps refusing replays, and accepts again once proofs expire", async () => {
    // Frozen at now (a whole second), not at the module's T0: the token was signed in
    // beforeAll, and a clock set back before its iat would make it "issued in the future".
    freezeAt(Math.floor(Date.now() / 1000) * 1000);
    const store = createMemoryReplayStore({ maxEntries: 1000 });
    const nonces = createNonceProvider({ secret: "0123456789abcdef0123456789abcdef" });
    const plain = makeAuth(store);
    const withNonce = makeAuth(store, nonces);
    const first = await proof();
    expect(await call(plain, first)).toEqual({ status: 200 });
    let filled = 0;
    while (tryAdd(store, proofKey(filled), 330) === true) filled++;
    expect(filled).toBe(999);

    const full = {
      status: 503,
      code: "temporarily_unavailable",
      reason: "replay_store_full",
      description: "the DPoP replay store is full; retry later",
      retryAfter: "330", // the default window: iatOffset 300 + iatLeeway 30
    };
    expect(await call(plain, await proof())).toEqual(full);
    expect(await call(withNonce, await proof(await nonces.current()))).toEqual(full);
    // Refused for being full, never by forgetting: the accepted proof is still a replay.
    expect(await call(plain, first)).toMatchObject({ status: 400, reason: "dpop_replay" });
    expect(await call(withNonce, await proof(await nonces.current()))).toEqual(full);

    advance(120);
    expect(await call(plain, await proof())).toMatchObject({ status: 503, retryAfter: "210" });

    advance(211); // every remembered proof has expired
    expect(await call(plain, await proof())).toEqual({ status: 200 });
    expect(await call(withNonce, await proof(await nonces.current()))).toEqual({ status: 200 });
  });
});
