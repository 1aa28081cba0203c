/**
 * The in-memory DPoP replay store: footprint and cost per add at 1 048 576 (2^20, the
 * default `maxEntries`) live proofs, the cost of a refusal when full and of steady churn at
 * capacity, next to the `Map` store it replaced (its code is copied below).
 *
 *   NODE_OPTIONS=--expose-gc npx tsx bench/replay-store.ts
 *
 * Keys are what scopegate passes: `dpop:` + base64url(SHA-256(htu + " " + jti)). For the
 * memory rows each key is made inside the loop (as each request makes its own), so a store
 * that keeps the strings pays for them; the timing rows use keys made beforehand. The clock
 * is `Date.now`, replaced by a counter so that "time passes" costs nothing.
 */
import { createHash } from "node:crypto";
import { createMemoryReplayStore, type ReplayStore } from "scopegate";
import { gcIfExposed, settle, table, us } from "./lib/report.js";

const LIVE = 2 ** 20;
const TTL = 330;

/** The store before the fix, verbatim: a Map that evicts its oldest entries when full. */
function oldMapStore(max = 100_000): ReplayStore {
  const entries = new Map<string, number>();
  return {
    add(key, ttlSeconds) {
      const now = Date.now();
      const seen = entries.get(key);
      if (seen !== undefined && seen > now) return false;
      if (seen !== undefined) entries.delete(key);
      if (entries.size >= max) {
        for (const [k, exp] of entries) {
          if (exp <= now) {
            entries.delete(k);
            continue;
          }
          if (entries.size >= max) entries.delete(k);
          break;
        }
      }
      entries.set(key, now + ttlSeconds * 1000);
      return true;
    },
  };
}

let clock = Math.floor(Date.now() / 1000) * 1000;
Date.now = () => clock;

const memory = async () => {
  gcIfExposed();
  await settle();
  gcIfExposed();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, buffers: m.arrayBuffers };
};
const keyOf = (i: number) =>
  `dpop:${createHash("sha256").update(`https://api.example.com/things ${i}`).digest("base64url")}`;
const keys = Array.from({ length: LIVE + 200_000 }, (_, i) => keyOf(i));
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const time = (n: number, f: (i: number) => void): number => {
  const t = performance.now();
  for (let i = 0; i < n; i++) f(i);
  return ((performance.now() - t) * 1000) / n;
};

// 1. The new store filled to 2^20 live proofs.
const before = await memory();
const sized = createMemoryReplayStore();
for (let i = 0; i < LIVE; i++) sized.add(keyOf(i), TTL);
const after = await memory();
clock += 400_000; // `sized` is kept, but everything in it has expired
const store = createMemoryReplayStore();
const addUs = time(LIVE, (i) => {
  if (store.add(keys[i] as string, TTL) !== true) throw new Error(`fresh key ${i} refused`);
});
const replayUs = time(LIVE, (i) => {
  if (store.add(keys[i] as string, TTL) !== false) throw new Error(`replay ${i} accepted`);
});
let refusals = 0;
const refuseUs = time(100_000, (i) => {
  try {
    store.add(keys[LIVE + i] as string, TTL);
  } catch {
    refusals++;
  }
});
if (refusals !== 100_000) throw new Error(`only ${refusals} refusals`);

// 2. Steady churn near and over capacity for 1 200 s of (fake) clock, TTL 300 s: 3 400
// proofs/s (≈ 1 020 000 live) and 4 000/s (1 200 000 wanted, 2^20 held): the amortised cost
// of an add, sweeps and refusals included.
clock += 400_000; // everything above has expired
function churn(rate: number) {
  const s = createMemoryReplayStore();
  let accepted = 0;
  let refused = 0;
  const perAdd = time(rate * 1200, (i) => {
    if (i % rate === 0) clock += 1000;
    try {
      if (s.add(`c${i}`, 300)) accepted++;
    } catch {
      refused++;
    }
  });
  return { rate, perAdd, accepted, refused };
}
const churns = [churn(3400), churn(4000)];

// 2b. The soak's load: 230 proofs/s × 330 s (≈ 76 000 live) for 1 200 s: the table's size.
clock += 400_000;
const soakBefore = await memory();
const soak = createMemoryReplayStore();
for (let i = 0; i < 230 * 1200; i++) {
  if (i % 230 === 0) clock += 1000;
  soak.add(keyOf(i), TTL);
}
const soakAfter = await memory();

// 3. The old Map store: footprint at 2^20 entries (maxEntries raised to hold them) and at
// its default 100 000, and what it did after 100 000 other proofs.
const mapBefore = await memory();
const map = oldMapStore(LIVE);
for (let i = 0; i < LIVE; i++) map.add(keyOf(i), TTL);
const mapAfter = await memory();
const timedMap = oldMapStore(LIVE);
const mapAddUs = time(LIVE, (i) => timedMap.add(keys[i] as string, TTL));
const oldDefault = oldMapStore();
oldDefault.add(keys[0] as string, TTL);
for (let i = 1; i <= 100_000; i++) oldDefault.add(keys[i] as string, TTL);
const oldReplay = oldDefault.add(keys[0] as string, TTL);
const fresh = createMemoryReplayStore();
fresh.add(keys[0] as string, TTL);
for (let i = 1; i <= 120_000; i++) fresh.add(keys[i] as string, TTL);
const newReplay = fresh.add(keys[0] as string, TTL);

const bytes = after.heap + after.buffers - (before.heap + before.buffers);
const mapBytes = mapAfter.heap + mapAfter.buffers - (mapBefore.heap + mapBefore.buffers);
process.stdout.write(
  `${table([
    ["replay store, 2^20 = 1 048 576 live proofs", "typed-array table (now)", "Map (before)"],
    [
      "memory (heap + ArrayBuffers after GC)",
      `${mib(bytes)} (${(bytes / LIVE).toFixed(1)} B/proof; ArrayBuffers ${mib(after.buffers - before.buffers)})`,
      `${mib(mapBytes)} (${(mapBytes / LIVE).toFixed(0)} B/proof)`,
    ],
    ["µs per fresh add (filling, growth included)", us(addUs), us(mapAddUs)],
    ["µs per replayed add (refused as a replay)", us(replayUs), "–"],
    ["µs per refused add when full (the thrown error included)", us(refuseUs), "never refuses"],
    ...churns.map((c) => [
      `µs per add, churn ${c.rate}/s × 300 s TTL for 1 200 s`,
      `${us(c.perAdd)} (${c.accepted} accepted, ${c.refused} refused)`,
      "–",
    ]),
    [
      "230 proofs/s × 330 s (≈ 76 000 live), after 1 200 s: memory",
      mib(soakAfter.heap + soakAfter.buffers - (soakBefore.heap + soakBefore.buffers)),
      "≈ 10.8 MiB (SECURITY.md, soak)",
    ],
    [
      "first proof replayed after 100 000 (Map) / 120 000 (now) others",
      newReplay ? "accepted" : "refused (replay)",
      oldReplay ? "**accepted** (evicted)" : "refused",
    ],
  ])}\n`,
);
// Both measured stores are used again here, so neither was collected before its reading.
if (
  sized.add(keyOf(0), TTL) !== true ||
  map.add(keyOf(1), TTL) !== false ||
  soak.add(keyOf(230 * 1200 - 1), TTL) !== false
) {
  throw new Error("the measured stores lost their entries");
}
if (typeof (globalThis as { gc?: unknown }).gc !== "function") {
  process.stdout.write("\n(run with NODE_OPTIONS=--expose-gc for the memory rows)\n");
}
