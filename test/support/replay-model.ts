/**
 * The reference model of the memory replay store (src/core/replay.ts) and its probes, shared
 * by test/core/replay-store*.test.ts: a deterministic random workload whose every `add` is
 * compared with a plain Map, and spies that count the store's private table passes.
 */
import { vi } from "vitest";
import { ReplayStoreFullError } from "../../src/core/replay.js";
import { createMemoryReplayStore, type ReplayStore } from "../../src/index.js";

/** Freezes `Date` (only: timers stay real, a test issuer still answers over HTTP) at `ms`. */
export function freezeAt(ms: number): void {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(ms);
}

/** `add` as an outcome: `true` / `false`, or `{ full: retryAfterSeconds }` when it throws. */
export function tryAdd(store: ReplayStore, key: string, ttl: number): boolean | { full: number } {
  try {
    return store.add(key, ttl) as boolean;
  } catch (e) {
    if (e instanceof ReplayStoreFullError) return { full: e.retryAfterSeconds };
    throw e;
  }
}

type Proto = Record<string, (...args: unknown[]) => unknown>;

/**
 * Counts the calls of the store's private table passes (`makeRoom` scans the table and
 * rebuilds it or sweeps it in place) and records each table size it allocates: a structural
 * check, no timing.
 */
export function countTablePasses(store: ReplayStore) {
  const proto = Object.getPrototypeOf(store) as Proto;
  const spies = {
    makeRoom: vi.spyOn(proto, "makeRoom"),
    rebuild: vi.spyOn(proto, "rebuild"),
    sweepInPlace: vi.spyOn(proto, "sweepInPlace"),
    allocate: vi.spyOn(proto, "allocate"),
  };
  return {
    counts: () => ({
      makeRoom: spies.makeRoom.mock.calls.length,
      rebuild: spies.rebuild.mock.calls.length,
      sweepInPlace: spies.sweepInPlace.mock.calls.length,
    }),
    /** The slot counts of every table allocated since the spies were set, in order. */
    allocated: () => spies.allocate.mock.calls.map((args) => args[0] as number),
    restore: () => {
      for (const spy of Object.values(spies)) spy.mockRestore();
    },
  };
}

/** A small deterministic PRNG (mulberry32), so a failing sequence can be replayed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** One random run against the model; see {@link runModel}. */
export interface ModelRun {
  seed: number;
  maxEntries: number;
  ops: number;
  /** Fresh keys are drawn from this many. */
  keySpace: number;
  /** TTLs are drawn from 1 to this many seconds. */
  maxTtl: number;
  /** Chances per `add` that the clock moves on 1–3 s; one is drawn every 3 000 operations. */
  paces: readonly number[];
  /**
   * After each add that made a table pass (a rebuild or a sweep in place), re-add every key
   * the model holds live: each must still be refused. A pass that loses one key of a probe
   * chain fails here at once, not only if the workload happens to replay that key.
   */
  audit?: boolean;
}

/**
 * Runs `run.ops` adds of fresh keys and replays of recent ones, with bursts (the store fills),
 * steady rates and quiet spells (it drains), on a `Date` faked from `t0` ms; throws at the
 * first answer that differs from the model (a Map of key → expiry) — replay, expiry,
 * refusal and Retry-After alike (and, with `audit`, every live key after each table pass). Returns how often each state was reached and the store's
 * table passes.
 */
export function runModel(run: ModelRun, t0: number) {
  const rnd = prng(run.seed);
  freezeAt(t0);
  const store = createMemoryReplayStore({ maxEntries: run.maxEntries });
  const passes = countTablePasses(store);
  const model = new Map<string, number>(); // key → expiry (Unix seconds)
  let now = t0 / 1000;
  let full = 0;
  let replays = 0;
  const recent: string[] = [];
  let pace = 0;
  try {
    for (let op = 0; op < run.ops; op++) {
      if (op % 3000 === 0) pace = run.paces[Math.floor(rnd() * run.paces.length)] as number;
      if (rnd() < pace) {
        now += 1 + Math.floor(rnd() * 3);
        vi.setSystemTime(now * 1000);
        for (const [k, exp] of model) if (exp <= now) model.delete(k);
      }
      const replay = recent.length > 0 && rnd() < 0.2;
      const key = replay
        ? (recent[Math.floor(rnd() * recent.length)] as string)
        : `key-${Math.floor(rnd() * run.keySpace)}`;
      const ttl = 1 + Math.floor(rnd() * run.maxTtl);
      let expected: boolean | { full: number };
      const held = model.get(key);
      if (held !== undefined && held > now) expected = false;
      else if (model.size - (held === undefined ? 0 : 1) >= run.maxEntries) {
        let earliest = Number.POSITIVE_INFINITY;
        for (const exp of model.values()) earliest = Math.min(earliest, exp);
        expected = { full: earliest - now };
      } else {
        model.set(key, now + ttl);
        expected = true;
      }
      const passesBefore = run.audit ? passes.counts().makeRoom : 0;
      const got = tryAdd(store, key, ttl);
      if (run.audit && passes.counts().makeRoom !== passesBefore) {
        for (const [k, exp] of model) {
          if (exp > now && tryAdd(store, k, 1) !== false) {
            throw new Error(`seed ${run.seed}, op ${op}: live key ${k} forgotten by a table pass`);
          }
        }
      }
      if (JSON.stringify(got) !== JSON.stringify(expected)) {
        throw new Error(
          `seed ${run.seed}, op ${op}: add(${key}, ${ttl}) gave ${JSON.stringify(got)}, expected ${JSON.stringify(expected)}`,
        );
      }
      if (expected === true) {
        recent.push(key);
        if (recent.length > 200) recent.shift();
      }
      if (expected === false) replays++;
      if (typeof expected === "object") full++;
    }
    return { full, replays, ...passes.counts(), allocated: passes.allocated() };
  } finally {
    passes.restore();
    vi.useRealTimers();
  }
}
