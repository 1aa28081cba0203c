import { ConfigurationError } from "./errors.js";

/**
 * Where DPoP proof identifiers are remembered so a proof is accepted once (RFC 9449 §11.1).
 *
 * `add` must be atomic: it records `key` for `ttlSeconds` and resolves `true` when the key
 * was absent (first use), `false` when it was present (a replay). A store that cannot be
 * reached, or cannot remember one more key, should reject (or throw); the request then fails
 * closed with a 503. A store must never forget a key before its `ttlSeconds` have passed to
 * make room for another: that would let the forgotten proof be replayed.
 *
 * @example
 * ```ts
 * const store: ReplayStore = { add: (key, ttl) => redis.set(key, "1", "PX", ttl * 1000, "NX").then((r) => r === "OK") };
 * createAuth({ domain, audience, dpop: { replayStore: store } });
 * ```
 */
export interface ReplayStore {
  /** Records `key` for `ttlSeconds`; `true` on first use, `false` on a replay. */
  add(key: string, ttlSeconds: number): boolean | Promise<boolean>;
}

/** Options of {@link createMemoryReplayStore}. */
export interface MemoryReplayStoreOptions {
  /**
   * Most live (unexpired) proofs remembered at once, an integer from 1 to 2^26. When that
   * many are live, a new proof is refused (the request gets a 503 `temporarily_unavailable`
   * with `Retry-After`) until the earliest one expires: a live entry is never dropped to
   * make room, so a proof cannot be replayed inside its window however many others arrive.
   * Memory: a table of 12-byte slots that grows on demand (from 48 KiB, allocated on the
   * first proof) up to the power of two ≥ 2 × `maxEntries` slots — 24 MiB at the default,
   * 36 MiB for a moment while it grows to that size. Size it for your peak proof rate × the
   * DPoP window (`iatOffset + iatLeeway`, 330 s by default): the default holds about 3 170
   * proofs per second.
   * @default 1048576 (2^20)
   */
  maxEntries?: number;
}

/**
 * Thrown (synchronously) by the `add` of {@link createMemoryReplayStore} when the store is
 * full of live proofs; scopegate answers the request with a 503 `temporarily_unavailable`
 * (reason `replay_store_full`) and `Retry-After: retryAfterSeconds`. Internal to the core.
 */
export class ReplayStoreFullError extends Error {
  /** Whole seconds (≥ 1) until the earliest remembered proof expires and frees room. */
  readonly retryAfterSeconds: number;

  /**
   * @param maxEntries - the store's capacity, for the message.
   * @param retryAfterSeconds - seconds until room is expected; rounded up, at least 1.
   */
  constructor(maxEntries: number, retryAfterSeconds: number) {
    const retry = Number.isFinite(retryAfterSeconds)
      ? Math.max(1, Math.ceil(retryAfterSeconds))
      : 1;
    super(
      `the in-memory DPoP replay store holds ${maxEntries} live proofs (maxEntries); room in ${retry} s`,
    );
    this.name = "ReplayStoreFullError";
    this.retryAfterSeconds = retry;
  }
}

/** Default {@link MemoryReplayStoreOptions.maxEntries}. */
const DEFAULT_MAX_ENTRIES = 2 ** 20;
/** Largest accepted `maxEntries` (a 1.5 GiB table). */
const MAX_MAX_ENTRIES = 2 ** 26;
/** Slots of the first table, allocated on the first `add`. */
const START_SLOTS = 4096;
/** Uint32 words per slot: expiry, fingerprint (high half), fingerprint (low half). */
const WORDS = 3;
/** Largest expiry word; 0 marks a slot that was never used. */
const MAX_EXPIRY = 0xffff_ffff;

/** Smallest power of two ≥ `n`. */
function pow2AtLeast(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** MurmurHash3's 32-bit finalizer: every input bit flips each output bit with p ≈ ½. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85eb_ca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2_ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * The default, in-process replay store. Replays are refused on one process; use
 * `scopegate/redis` to share the memory between processes.
 *
 * It never forgets a live proof: when `maxEntries` proofs are inside their window it
 * refuses new ones — `add` throws, and the request gets a 503 `temporarily_unavailable`
 * with `Retry-After` set to the seconds until the earliest one expires — while a replay of
 * any remembered proof is still refused with a 400. Expired entries are reused and swept.
 *
 * Each key is kept as a 64-bit fingerprint (two 32-bit hashes with per-store random seeds)
 * and an expiry in whole seconds (rounded up, so a key lives its `ttlSeconds` and up to 1 s
 * more), 12 bytes a slot in an open-addressing table at most half full of live entries:
 * 24 bytes per entry, 24 MiB for the default 2^20 entries, allocated as the store fills. Two keys share a
 * fingerprint with probability about 2^-64 per pair; that could only make a fresh proof look
 * like a replay, never accept a replay. A `ttlSeconds` under 1 (or NaN) records the key for
 * 1 s; `Infinity` until 2106 (expiries are 32-bit Unix seconds; with the clock past
 * 2106-02-07 `add` throws, so the store fails closed rather than forget).
 *
 * Each `add` is one hash and a short probe, O(1) amortised: live entries are counted per
 * expiry second, so "full" is known without scanning — a refused `add` is one lookup, never
 * a sweep — and the table is rebuilt without its expired entries only after a number of
 * inserts proportional to its size.
 *
 * @param options - see {@link MemoryReplayStoreOptions}.
 * @throws ConfigurationError when `maxEntries` is not an integer from 1 to 2^26.
 *
 * @example
 * ```ts
 * createAuth({ domain, audience, dpop: { replayStore: createMemoryReplayStore({ maxEntries: 4_000_000 }) } });
 * ```
 */
export function createMemoryReplayStore(options: MemoryReplayStoreOptions = {}): ReplayStore {
  const max = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  if (typeof max !== "number" || !Number.isInteger(max) || max < 1 || max > MAX_MAX_ENTRIES) {
    throw new ConfigurationError(
      "maxEntries",
      `createMemoryReplayStore needs an integer from 1 to ${MAX_MAX_ENTRIES}, got ${String(max)}`,
    );
  }
  return new MemoryReplayStore(max);
}

/**
 * Open addressing with linear probing over one Uint32Array, {@link WORDS} words a slot:
 * `[expiry, fingerprintHigh, fingerprintLow]`. The expiry is in Unix seconds, rounded up
 * (1970 to 2106 in 32 bits); 0 marks an empty slot, and a slot whose expiry has passed
 * is a reusable tombstone (it keeps probe chains intact until a sweep removes it). A
 * fingerprint is in the table at most once. The home slot of a key is its fingerprint's
 * high half masked to the table size, so the table can be rebuilt from fingerprints alone.
 *
 * Live entries are counted exactly, without scanning: `buckets` maps each expiry second
 * still ahead to its number of entries, and as the clock passes a second its count leaves
 * `live`. So "full" is known in O(1), and the table itself is rebuilt only when its slots
 * (live + expired) reach the load limit: half the slots while it can still grow, three
 * quarters at its largest size (where `live` ≤ `max` ≤ half), so each rebuild is at least
 * an eighth of the table's inserts after the last one.
 */
class MemoryReplayStore implements ReplayStore {
  private readonly max: number;
  /** Slots of the largest table: `max` entries fill it at most half. */
  private readonly maxSlots: number;
  /**
   * Per-store random hash seeds, drawn on the first add: workerd allows no randomness at
   * global scope, where `createAuth` (and so this store) is often called.
   */
  private seedHigh = 0;
  private seedLow = 0;
  private table = new Uint32Array(0);
  private slots = 0;
  /** Non-empty slots, live or expired. */
  private used = 0;
  /** Entries whose expiry is ahead of `passed`. */
  private live = 0;
  /** Expiry second → entries that expire then, for every second after `passed`. */
  private readonly buckets = new Map<number, number>();
  /** The last whole second whose bucket left `live`. */
  private passed = 0;
  /** The smallest key of `buckets` (Infinity when empty): when the next room frees up. */
  private earliest = Number.POSITIVE_INFINITY;
  /** Fingerprint of the key being added (set by `fingerprint`). */
  private high = 0;
  private low = 0;

  constructor(max: number) {
    this.max = max;
    this.maxSlots = Math.max(16, pow2AtLeast(2 * max));
  }

  add(key: string, ttlSeconds: number): boolean {
    if (typeof key !== "string") throw new TypeError("replay store key must be a string");
    if (typeof ttlSeconds !== "number") {
      throw new TypeError("replay store ttlSeconds must be a number");
    }
    const now = Date.now() / 1000;
    if (!(now < MAX_EXPIRY)) {
      // Expiries are Unix seconds in 32 bits; past 2106 every entry would look expired.
      throw new RangeError(
        `the clock (Date.now() = ${Date.now()}) is past what the memory replay store records (2106-02-07); it fails closed`,
      );
    }
    if (this.slots === 0) {
      const seeds = crypto.getRandomValues(new Uint32Array(2));
      this.seedHigh = seeds[0] as number;
      this.seedLow = seeds[1] as number;
      this.allocate(Math.min(START_SLOTS, this.maxSlots));
      this.passed = Math.floor(now);
    }
    this.pass(Math.floor(now));
    // Never shorter than 1 s (a 0, negative or NaN TTL would forget the key at once).
    const ttl = Number.isNaN(ttlSeconds) || ttlSeconds < 1 ? 1 : ttlSeconds;
    const expiry = Math.min(MAX_EXPIRY, Math.max(1, Math.ceil(now + ttl)));
    this.fingerprint(key);
    const high = this.high;
    const low = this.low;

    let t = this.table;
    let mask = this.slots - 1;
    let i = high & mask;
    let slot = -1; // where the new entry goes: a word offset
    for (;;) {
      const at = i * WORDS;
      const e = t[at] as number;
      if (e === 0) break;
      if (t[at + 1] === high && t[at + 2] === low) {
        if (e > now) return false;
        slot = at; // the key's own expired entry
        break;
      }
      if (slot < 0 && e <= now) slot = at;
      i = (i + 1) & mask;
    }
    // A new entry: refused while `max` entries are live (a live one is never dropped).
    if (this.live >= this.max) {
      throw new ReplayStoreFullError(this.max, this.earliest - now);
    }
    if (slot < 0) {
      if (this.used >= (this.slots < this.maxSlots ? this.slots / 2 : (this.slots / 4) * 3)) {
        this.makeRoom(now);
        t = this.table;
        mask = this.slots - 1;
        i = high & mask;
        while (t[i * WORDS] !== 0) i = (i + 1) & mask;
      }
      slot = i * WORDS;
      this.used++;
    }
    // Reuses the key's own expired entry, else the first expired one of the chain (the key
    // is not further on: the chain was walked to its end), else takes the empty slot.
    t[slot] = expiry;
    t[slot + 1] = high;
    t[slot + 2] = low;
    this.live++;
    this.buckets.set(expiry, (this.buckets.get(expiry) ?? 0) + 1);
    if (expiry < this.earliest) this.earliest = expiry;
    return true;
  }

  /** Takes the buckets of the seconds up to `second` out of `live`. */
  private pass(second: number): void {
    if (second <= this.passed) {
      // The clock went back: entries it revives stay in the table (still refused as
      // replays) but are not counted again.
      this.passed = second;
      return;
    }
    const buckets = this.buckets;
    if (this.earliest <= second) {
      if (second - this.passed <= buckets.size) {
        for (let s = this.passed + 1; s <= second; s++) {
          const n = buckets.get(s);
          if (n !== undefined) {
            this.live -= n;
            buckets.delete(s);
          }
        }
      } else {
        for (const [s, n] of buckets) {
          if (s <= second) {
            this.live -= n;
            buckets.delete(s);
          }
        }
      }
      let earliest = Number.POSITIVE_INFINITY;
      for (const s of buckets.keys()) if (s < earliest) earliest = s;
      this.earliest = earliest;
    }
    this.passed = second;
  }

  /**
   * Two independent seeded multiply–xorshift hashes over the UTF-16 code units, two units
   * a step, each finished by {@link fmix32}: a 64-bit fingerprint in `high` / `low`.
   */
  private fingerprint(key: string): void {
    const n = key.length;
    let a = this.seedHigh ^ n;
    let b = this.seedLow ^ Math.imul(n, 0x9e37_79b9);
    let k = 0;
    for (; k + 1 < n; k += 2) {
      const c = key.charCodeAt(k) | (key.charCodeAt(k + 1) << 16);
      a = Math.imul(a ^ c, 0xcc9e_2d51);
      a ^= a >>> 15;
      b = Math.imul(b ^ c, 0x1b87_3593);
      b ^= b >>> 16;
    }
    if (k < n) {
      const c = key.charCodeAt(k);
      a = Math.imul(a ^ c, 0xcc9e_2d51);
      a ^= a >>> 15;
      b = Math.imul(b ^ c, 0x1b87_3593);
      b ^= b >>> 16;
    }
    this.high = fmix32(a);
    this.low = fmix32(b);
  }

  private allocate(slots: number): void {
    this.table = new Uint32Array(slots * WORDS);
    this.slots = slots;
    this.used = 0;
  }

  /**
   * Called when a new key needs an empty slot and the table is at its load limit: rebuilds
   * it without its expired entries, at the size that leaves the rest at most 3/8 full, up to
   * `maxSlots` (at which `live` ≤ `max` ≤ half the slots and the limit is three quarters).
   */
  private makeRoom(now: number): void {
    const t = this.table;
    let kept = 0;
    for (let at = 0; at < t.length; at += WORDS) if ((t[at] as number) > now) kept++;
    // At most 3/8 full after the rebuild: ≥ 1/8 of the slots to fill before the next one.
    const slots = Math.min(this.maxSlots, Math.max(START_SLOTS, pow2AtLeast((kept * 8) / 3)));
    if (slots === this.slots) this.sweepInPlace(now);
    else this.rebuild(slots, now);
    this.used = kept;
    if (kept >= (this.slots / 4) * 3) {
      // Only if the clock went back by more than the window (revived entries): fail closed.
      throw new ReplayStoreFullError(this.max, 1);
    }
  }

  /** Copies the live entries into a new table of `slots` slots. */
  private rebuild(slots: number, now: number): void {
    const old = this.table;
    this.allocate(slots);
    const t = this.table;
    const mask = slots - 1;
    for (let at = 0; at < old.length; at += WORDS) {
      const e = old[at] as number;
      if (e <= now) continue;
      const high = old[at + 1] as number;
      let i = high & mask;
      while (t[i * WORDS] !== 0) i = (i + 1) & mask;
      const to = i * WORDS;
      t[to] = e;
      t[to + 1] = high;
      t[to + 2] = old[at + 2] as number;
    }
  }

  /**
   * Drops the expired entries without a second table. Pass 1 empties them, which may cut
   * probe chains; pass 2 walks the table once, starting after a slot that was empty before
   * pass 1 (no chain crosses it), and moves each live entry to the first empty slot from its
   * home. Every entry only moves back towards its home, within the part already walked, so
   * the chains of the entries placed before it stay whole.
   */
  private sweepInPlace(now: number): void {
    const t = this.table;
    const mask = this.slots - 1;
    let start = 0;
    while (t[start * WORDS] !== 0) start++; // the table is at most three quarters full
    for (let at = 0; at < t.length; at += WORDS) {
      if ((t[at] as number) <= now) t[at] = 0;
    }
    for (let k = 1; k <= mask; k++) {
      const i = (start + k) & mask;
      const from = i * WORDS;
      const e = t[from] as number;
      if (e === 0) continue;
      const high = t[from + 1] as number;
      let j = high & mask;
      while (j !== i && t[j * WORDS] !== 0) j = (j + 1) & mask;
      if (j === i) continue;
      const to = j * WORDS;
      t[to] = e;
      t[to + 1] = high;
      t[to + 2] = t[from + 2] as number;
      t[from] = 0;
    }
  }
}
