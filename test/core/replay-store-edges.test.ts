/**
 * The memory replay store at its edges (mutation testing, issue 18): its messages, the limits
 * of its options and of its clock, its memory bound, and a tiny table under churn, where
 * every sweep in place must keep every live key findable.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { ReplayStoreFullError } from "../../src/core/replay.js";
import { ConfigurationError, createMemoryReplayStore } from "../../src/index.js";
import { countTablePasses, freezeAt, runModel, tryAdd } from "../support/replay-model.js";

/** A whole second. */
const T0 = Math.floor(Date.now() / 1000) * 1000;
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("createMemoryReplayStore: messages and limits", () => {
  it("a full store throws a ReplayStoreFullError that names the capacity and the wait", () => {
    freezeAt(T0);
    const store = createMemoryReplayStore({ maxEntries: 3 });
    for (const k of ["a", "b", "c"]) store.add(k, 300);
    let error: unknown;
    try {
      store.add("d", 300);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ReplayStoreFullError);
    expect(error).toMatchObject({
      name: "ReplayStoreFullError",
      message: "the in-memory DPoP replay store holds 3 live proofs (maxEntries); room in 300 s",
      retryAfterSeconds: 300,
    });
  });

  it("maxEntries: 2^26 is accepted, 2^26 + 1 refused with the option named", () => {
    expect(() => createMemoryReplayStore({ maxEntries: 2 ** 26 })).not.toThrow();
    let error: unknown;
    try {
      createMemoryReplayStore({ maxEntries: 2 ** 26 + 1 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error).toMatchObject({
      option: "maxEntries",
      message: `scopegate: maxEntries: createMemoryReplayStore needs an integer from 1 to ${2 ** 26}, got ${2 ** 26 + 1}`,
    });
  });

  it("a key that is not a string and a TTL that is not a number are named in the TypeError", () => {
    const store = createMemoryReplayStore();
    expect(() => store.add(42 as unknown as string, 10)).toThrow(
      new TypeError("replay store key must be a string"),
    );
    expect(() => store.add("k", "300" as unknown as number)).toThrow(
      new TypeError("replay store ttlSeconds must be a number"),
    );
  });

  it("the last recordable second works; the clock at 2^32 s (2106-02-07) fails closed", () => {
    const end = 0xffff_ffff * 1000;
    freezeAt(end - 1);
    const store = createMemoryReplayStore();
    expect(store.add("k", 300)).toBe(true);
    expect(store.add("k", 300)).toBe(false);
    vi.setSystemTime(end);
    // At that second every expiry would already have passed: a replay would be accepted.
    expect(() => store.add("k", 300)).toThrow(RangeError);
    expect(() => store.add("new", 300)).toThrow(
      /past what the memory replay store records \(2106-02-07\); it fails closed/,
    );
  });
});

describe("createMemoryReplayStore: memory and work", () => {
  it("the table starts at 4 096 slots and never grows past the power of two ≥ 2 × maxEntries", () => {
    // 2 048 entries: at most 4 096 slots (12 bytes each), though the churn below keeps up
    // to 2 048 live keys and as many expired ones in the table.
    const run = runModel(
      {
        seed: 7,
        maxEntries: 2048,
        ops: 40_000,
        keySpace: 1_000_000,
        maxTtl: 30,
        paces: [0.0005, 0.002, 0.01],
      },
      T0,
    );
    expect(run.full).toBeGreaterThan(0);
    expect(run.allocated[0]).toBe(4096);
    expect(Math.max(...run.allocated)).toBe(4096);
    expect(run.sweepInPlace).toBeGreaterThan(0);
  });

  it("a small store allocates only its own bound: 100 entries, 256 slots", () => {
    freezeAt(T0);
    const store = createMemoryReplayStore({ maxEntries: 100 });
    const passes = countTablePasses(store);
    store.add("k", 10);
    expect(passes.allocated()).toEqual([256]);
  });

  it("at its largest size a sweep comes at most once per eighth of the table's inserts", () => {
    // 1 024 entries, 2 048 slots: swept when 1 536 slots are used, down to ≤ 1 024 live.
    freezeAt(T0);
    const store = createMemoryReplayStore({ maxEntries: 1024 });
    const passes = countTablePasses(store);
    let inserts = 0;
    for (let second = 0; second < 200; second++) {
      vi.setSystemTime(T0 + second * 1000);
      // ~1 000 live at once: 100 new keys a second, each held 10 s.
      for (let i = 0; i < 100; i++) {
        expect(store.add(`s${second}-${i}`, 10)).toBe(true);
        inserts++;
      }
    }
    const { makeRoom } = passes.counts();
    expect(makeRoom).toBeGreaterThan(0);
    expect(makeRoom).toBeLessThanOrEqual(Math.ceil(inserts / (2048 / 8)));
  });
});

describe("createMemoryReplayStore: a tiny table under churn", () => {
  it("matches the reference model through hundreds of sweeps in place (100 entries, 256 slots)", () => {
    let sweeps = 0;
    for (const seed of [11, 12, 13, 14, 15, 16]) {
      const run = runModel(
        {
          seed,
          maxEntries: 100,
          ops: 30_000,
          keySpace: 3000,
          maxTtl: 6,
          paces: [0.01, 0.04, 0.2],
          audit: true,
        },
        T0,
      );
      expect(run.full).toBeGreaterThan(100);
      expect(run.replays).toBeGreaterThan(1000);
      sweeps += run.sweepInPlace;
    }
    expect(sweeps).toBeGreaterThan(300);
  });

  it("a clock set back past the window revives expired entries: the store fails closed, never hangs", () => {
    freezeAt(T0);
    const store = createMemoryReplayStore({ maxEntries: 100 });
    // 100 entries, 256 slots: rebuilt when 192 are used. Short-lived keys, a new second every
    // 60, until 165 slots are used (white-box: `used` counts live and expired entries).
    const used = () => (store as unknown as { used: number }).used;
    let n = 0;
    while (used() < 165) {
      if (n % 60 === 0) vi.setSystemTime(T0 + (n / 60) * 2000);
      expect(store.add(`old-${n}`, 1)).toBe(true);
      n++;
      if (n > 100_000) throw new Error("the table never reached 165 used slots");
    }
    // Back before all of them: every entry in the table looks live again, though the store
    // counts only the last second's as live. Each new key takes an empty slot; when none is
    // left under the load limit, the rebuild finds them all live and refuses (Retry-After 1).
    vi.setSystemTime(T0 - 10_000);
    const answers: (boolean | { full: number })[] = [];
    for (let i = 0; i < 40; i++) {
      const r = tryAdd(store, `new-${i}`, 300);
      answers.push(r);
      if (typeof r === "object") break;
    }
    expect(answers.at(-1)).toEqual({ full: 1 });
    expect(answers.slice(0, -1).every((r) => r === true)).toBe(true);
    expect(answers.length).toBe(192 - 165 + 1);
    // The revived keys are still refused as replays.
    expect(store.add(`old-${n - 1}`, 1)).toBe(false);
  });
});
