/**
 * A bounded memo by string key (the oldest entry is dropped when full); internal. Used for
 * decoded JOSE headers by their base64url segment — tokens of one issuer and proofs of one
 * DPoP client repeat the same header, so it is decoded and checked once; callers remember only
 * headers of tokens whose signature verified, so forged tokens cannot fill it — and for the
 * normalised form of request URLs (DPoP `htu`).
 */
export class BoundedMemo<V> {
  private readonly map = new Map<string, V>();

  constructor(readonly max: number) {}

  get(key: string): V | undefined {
    return this.map.get(key);
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  set(key: string, value: V): void {
    if (this.map.size >= this.max && !this.map.has(key)) {
      const oldest = this.map.keys().next();
      if (!oldest.done) this.map.delete(oldest.value);
    }
    this.map.set(key, value);
  }

  get size(): number {
    return this.map.size;
  }
}
