/** Settings of the verified-token cache. */
export interface TokenCacheOptions {
  /** Most tokens kept (LRU). @default 1000 */
  max?: number;
  /** Longest an entry is reused, in seconds, whatever its `exp`. @default 600 */
  maxAge?: number;
}

/** One cached verification; internal. */
export interface CacheEntry<V> {
  value: V;
  /** Epoch seconds after which the entry is dead (min of exp + tolerance and cachedAt + maxAge). */
  until: number;
  /** Epoch seconds before which the token is not valid yet (nbf − tolerance). */
  from: number;
}

/**
 * A bounded LRU of successful verifications keyed by the token itself (exact match: no
 * hash collisions possible); internal.
 */
export class TokenCache<V> {
  private readonly map = new Map<string, CacheEntry<V>>();

  constructor(
    readonly max: number,
    readonly maxAge: number,
  ) {}

  get(token: string, now: number): CacheEntry<V> | undefined {
    const e = this.map.get(token);
    if (!e) return undefined;
    if (now >= e.until || now < e.from) {
      if (now >= e.until) this.map.delete(token);
      return undefined;
    }
    // Refresh recency only when the entry is not already the newest (cheap LRU).
    this.map.delete(token);
    this.map.set(token, e);
    return e;
  }

  set(token: string, entry: CacheEntry<V>): void {
    if (this.max <= 0) return;
    this.map.delete(token);
    if (this.map.size >= this.max) {
      const oldest = this.map.keys().next();
      if (!oldest.done) this.map.delete(oldest.value);
    }
    this.map.set(token, entry);
  }

  delete(token: string): void {
    this.map.delete(token);
  }

  get size(): number {
    return this.map.size;
  }
}
