import { tokenKey } from "./token-cache.js";

/**
 * Distinct tokens whose verification is shared while in flight; beyond it a token is verified
 * on its own (correct, just not shared), so the table cannot grow with a flood.
 */
export const MAX_IN_FLIGHT = 10_000;

interface Flight<V> {
  token: string;
  promise: Promise<V>;
}

/**
 * Promises of work in flight by token, for concurrent callers to share; internal. An entry is
 * removed when its promise settles, so an outcome (a failure above all) is never reused beyond
 * its own flight. Bounded by `max` distinct tokens; keyed like the token cache (the last 32
 * characters), every hit compares the whole token.
 */
export class Flights<V> {
  private readonly map = new Map<string, Flight<V>>();

  constructor(readonly max: number = MAX_IN_FLIGHT) {}

  /** The promise in flight for exactly this token, if any (O(1) when nothing is in flight). */
  find(token: string): Promise<V> | undefined {
    if (this.map.size === 0) return undefined;
    const flight = this.map.get(tokenKey(token));
    return flight?.token === token ? flight.promise : undefined;
  }

  /** Shares `promise` for `token` until it settles, if there is room and no other holds its key. */
  track(token: string, promise: Promise<V>): void {
    if (this.map.size >= this.max) return;
    const key = tokenKey(token);
    if (this.map.has(key)) return;
    const entry: Flight<V> = { token, promise };
    this.map.set(key, entry);
    const settle = () => {
      if (this.map.get(key) === entry) this.map.delete(key);
    };
    promise.then(settle, settle);
  }
}
