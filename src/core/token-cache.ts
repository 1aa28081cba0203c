/** Settings of the verified-token cache. */
export interface TokenCacheOptions {
  /** Most tokens kept (LRU). @default 1000 */
  max?: number | undefined;
  /** Longest an entry is reused, in seconds, whatever its `exp`. @default 600 */
  maxAge?: number | undefined;
}

/** One cached verification; internal. */
export interface CacheEntry<V> {
  /** The whole token, compared on every hit. */
  token: string;
  value: V;
  /** Epoch seconds after which the entry is dead (min of exp + tolerance and cachedAt + maxAge). */
  until: number;
  /** Epoch seconds before which the token is not valid yet (nbf − tolerance). */
  from: number;
}

/**
 * A bounded map (oldest inserted evicted first) of successful verifications; internal.
 *
 * Keyed by the token's last 32 characters (from its signature), so a lookup hashes 32
 * characters instead of ~1 KB; every hit then compares the whole token, so an entry is only
 * ever used for exactly the token it was verified for (no collision can be exploited).
 */
export class TokenCache<V> {
  private readonly map = new Map<string, CacheEntry<V>>();
  /**
   * The entry of the last hit: a request asks twice for the same token string (the syntax
   * shortcut, then the verification), and the same string object compares in O(1).
   */
  private last: CacheEntry<V> | undefined;

  constructor(
    readonly max: number,
    readonly maxAge: number,
  ) {}

  get(token: string, now: number): CacheEntry<V> | undefined {
    const last = this.last;
    const e = last !== undefined && last.token === token ? last : this.map.get(tokenKey(token));
    if (!e || e.token !== token) return undefined;
    if (now >= e.until || now < e.from) {
      if (now >= e.until) this.delete(token);
      return undefined;
    }
    this.last = e;
    // Insertion-order eviction (not LRU): refreshing recency would cost two more hash-map
    // operations on a ~1 KB key per hit; an evicted hot token is simply verified once more.
    return e;
  }

  set(token: string, entry: CacheEntry<V>): void {
    if (this.max <= 0) return;
    this.last = undefined;
    const key = tokenKey(token);
    this.map.delete(key);
    if (this.map.size >= this.max) {
      const oldest = this.map.keys().next();
      if (!oldest.done) this.map.delete(oldest.value);
    }
    this.map.set(key, entry);
  }

  delete(token: string): void {
    if (this.last?.token === token) this.last = undefined;
    const key = tokenKey(token);
    if (this.map.get(key)?.token === token) this.map.delete(key);
  }

  get size(): number {
    return this.map.size;
  }
}

/**
 * A token's map key: its last 32 characters (from the signature); internal. Callers compare
 * the whole token on every hit.
 */
export const tokenKey = (token: string): string => (token.length > 32 ? token.slice(-32) : token);
