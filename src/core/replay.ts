/**
 * Where DPoP proof identifiers are remembered so a proof is accepted once (RFC 9449 §11.1).
 *
 * `add` must be atomic: it records `key` for `ttlSeconds` and resolves `true` when the key
 * was absent (first use), `false` when it was present (a replay). A store that cannot be
 * reached should reject; the request then fails closed with a 503.
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
  /** Most entries kept; beyond it the oldest are dropped first. @default 100000 */
  maxEntries?: number;
}

/**
 * The default, in-process replay store: a bounded map of key → expiry. Replays are refused
 * on one process; use `scopegate/redis` to share the memory between processes. When full it
 * drops expired entries first, then the oldest ones (a proof older than the dropped entry
 * could then be replayed once, within its acceptance window — size the store for your
 * request rate × the DPoP window).
 *
 * @example
 * ```ts
 * createAuth({ domain, audience, dpop: { replayStore: createMemoryReplayStore({ maxEntries: 1e6 }) } });
 * ```
 */
export function createMemoryReplayStore(options: MemoryReplayStoreOptions = {}): ReplayStore {
  const max = options.maxEntries ?? 100_000;
  const entries = new Map<string, number>();
  return {
    add(key, ttlSeconds) {
      const now = Date.now();
      const seen = entries.get(key);
      if (seen !== undefined && seen > now) return false;
      if (seen !== undefined) entries.delete(key);
      if (entries.size >= max) {
        // Insertion order ≈ expiry order (one TTL for all proofs): sweep from the oldest.
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
