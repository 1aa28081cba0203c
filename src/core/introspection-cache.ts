/** One introspection answer as kept: the claims of an active token, or `null` (inactive). */
export type IntrospectionAnswer = Record<string, unknown> | null;

interface Entry {
  answer: IntrospectionAnswer;
  /** Epoch seconds after which the entry is dead. */
  until: number;
}

/** Most introspection requests in flight at once (distinct tokens); beyond it: 503. */
export const MAX_INTROSPECTIONS_IN_FLIGHT = 10_000;

/** A full in-flight table; the caller answers 503 with `Retry-After`. */
export class TooManyIntrospectionsError extends Error {
  constructor() {
    super("too many introspection requests in flight");
    this.name = "TooManyIntrospectionsError";
  }
}

/**
 * Bounded introspection cache with single-flight; internal.
 *
 * Keyed by base64url(SHA-256(token)): the token itself is never stored. Active answers and
 * inactive ones live in two maps of at most `max` entries each (oldest inserted dropped
 * first), so a flood of random tokens (inactive) cannot evict the active ones. An active
 * answer lives until min(`exp`, now + `maxAge`); an inactive one `negativeMaxAge`. A failed
 * introspection is never kept: it is shared only by the requests that waited for it.
 */
export class IntrospectionCache {
  private readonly active = new Map<string, Entry>();
  private readonly inactive = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<IntrospectionAnswer>>();
  /** Introspection requests started (cache misses that reached the endpoint). */
  started = 0;

  constructor(
    readonly max: number,
    readonly maxAge: number,
    readonly negativeMaxAge: number,
    /** Distinct introspections in flight at most (a parameter for tests). */
    readonly maxInFlight: number = MAX_INTROSPECTIONS_IN_FLIGHT,
  ) {}

  /** Entries held now (active + inactive), for tests and metrics. */
  get size(): number {
    return this.active.size + this.inactive.size;
  }

  /**
   * The answer for `key`: from the cache, else from the in-flight request for the same key,
   * else from `load()` (which then runs once for every concurrent caller).
   */
  get(
    key: string,
    now: number,
    load: () => Promise<IntrospectionAnswer>,
  ): IntrospectionAnswer | Promise<IntrospectionAnswer> {
    const hit = this.lookup(this.active, key, now) ?? this.lookup(this.inactive, key, now);
    if (hit) return hit.answer;
    const pending = this.inflight.get(key);
    if (pending) return pending;
    if (this.inflight.size >= this.maxInFlight) {
      return Promise.reject(new TooManyIntrospectionsError());
    }
    this.started++;
    const p = load().then(
      (answer) => {
        this.store(key, answer, Date.now() / 1000);
        this.inflight.delete(key);
        return answer;
      },
      (error: unknown) => {
        this.inflight.delete(key);
        throw error;
      },
    );
    this.inflight.set(key, p);
    return p;
  }

  private lookup(map: Map<string, Entry>, key: string, now: number): Entry | undefined {
    const e = map.get(key);
    if (!e) return undefined;
    if (now >= e.until) {
      map.delete(key);
      return undefined;
    }
    return e;
  }

  private store(key: string, answer: IntrospectionAnswer, now: number): void {
    if (this.max <= 0) return;
    let until: number;
    let map: Map<string, Entry>;
    if (answer === null) {
      until = now + this.negativeMaxAge;
      map = this.inactive;
    } else {
      const exp = answer.exp;
      // No exp: the claim checks refuse the token; keep the answer no longer than a refusal.
      until =
        typeof exp === "number" && Number.isFinite(exp)
          ? Math.min(exp, now + this.maxAge)
          : now + Math.min(this.negativeMaxAge, this.maxAge);
      map = this.active;
    }
    if (until <= now) return;
    map.delete(key);
    if (map.size >= this.max) {
      const oldest = map.keys().next();
      if (!oldest.done) map.delete(oldest.value);
    }
    map.set(key, { answer, until });
  }
}
