import { TemporarilyUnavailableError } from "./errors.js";
import { type KeySet, KeySource } from "./keys.js";
import { quoted } from "./logger.js";
import type { MaybePromise } from "./maybe.js";
import type { ResolvedOptions } from "./options.js";

/** Limits of the per-issuer key sources when a resolver admits issuers; internal. */
export interface IssuerLimits {
  max: number;
  idle: number;
  newPerSecond: number;
  failures: number;
}

/** Longest back-off of an issuer whose keys could not be had, in seconds. */
const MAX_BACKOFF = 300;
/** Issuers being fetched for the first time, at most (a hard bound under any settings). */
const MAX_PENDING = 1000;
/** Recency is refreshed at most this often per issuer (a Map re-insert per request is waste). */
const TOUCH_MS = 1000;
/** Failed first fetches are logged as one summary line per this many ms at most. */
const REPORT_MS = 60_000;

interface Live {
  source: KeySource;
  usedAt: number;
}

interface Failed {
  until: number;
  failures: number;
}

/**
 * The key sources of every issuer; internal. A static issuer list keeps one source per
 * configured issuer. With a resolver (issuers admitted per request, so named by whoever
 * writes the token) it is bounded: sources that hold keys live in an LRU of `max` issuers
 * with idle expiry; an issuer seen for the first time is fetched only within a budget of
 * `newPerSecond` (a token bucket), and one whose keys could not be had is remembered in a
 * bounded negative cache with exponential back-off. A flood of forged issuers thus costs at
 * most `newPerSecond` discoveries per second and bounded memory, and never evicts a tenant
 * that holds keys in favour of one that does not.
 */
export class KeySources {
  private readonly live = new Map<string, Live>();
  private readonly pending = new Map<string, KeySource>();
  private readonly failed = new Map<string, Failed>();
  private readonly limits: IssuerLimits | undefined;
  private budget: number;
  private refilledAt = Date.now();
  /** Fetch counts of sources dropped so far (so totals survive eviction). */
  private readonly dropped = { discovery: 0, jwks: 0 };
  private unreported = 0;
  private reportedAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly o: ResolvedOptions) {
    this.limits = o.resolver ? o.cache.issuers : undefined;
    this.budget = this.limits?.newPerSecond ?? 0;
  }

  /** The issuer's source and keys; creates the source on first use (within the budget). */
  keys(issuer: string): { source: KeySource; keys: MaybePromise<KeySet> } {
    const source = this.source(issuer);
    const got = source.get();
    if (!this.limits || !this.pending.has(issuer)) return { source, keys: got };
    const keys = Promise.resolve(got).then(
      (set) => {
        this.establish(issuer, source);
        return set;
      },
      (error: unknown) => {
        this.fail(issuer, source);
        throw error;
      },
    );
    return { source, keys };
  }

  /** The issuer's source when it holds keys or is being fetched (marks a held one as used). */
  peek(issuer: string): KeySource | undefined {
    const l = this.live.get(issuer);
    if (l) {
      this.touch(issuer, l);
      return l.source;
    }
    return this.pending.get(issuer);
  }

  /** The source of an issuer (created on first use). Throws the 503 of a backed-off issuer. */
  source(issuer: string): KeySource {
    const found = this.peek(issuer);
    if (found) return found;
    const limits = this.limits;
    if (!limits) {
      const source = new KeySource(issuer, this.o);
      this.live.set(issuer, { source, usedAt: Date.now() });
      return source;
    }
    const now = Date.now();
    const failed = this.failed.get(issuer);
    if (failed && now < failed.until) throw unavailable((failed.until - now) / 1000);
    // Static keys (the `jwks` option) cost no request, so they need no budget.
    if (this.pending.size >= MAX_PENDING || (!this.o.jwks && !this.spend(now))) {
      throw unavailable(1);
    }
    const source = new KeySource(issuer, this.o);
    // Issuers named by unverified tokens: their failures are summarised, not logged one by one.
    source.reportFailures = false;
    this.pending.set(issuer, source);
    return source;
  }

  /** Every source that holds keys or is being fetched. */
  *all(): IterableIterator<KeySource> {
    for (const l of this.live.values()) yield l.source;
    yield* this.pending.values();
  }

  /** Discovery and JWKS requests started, including by sources dropped since. */
  fetches(): { discovery: number; jwks: number } {
    const n = { ...this.dropped };
    for (const s of this.all()) {
      n.discovery += s.stats.discovery;
      n.jwks += s.stats.jwks;
    }
    return n;
  }

  /** How many issuers are held: with keys, being fetched, and backed off. */
  sizes(): { live: number; pending: number; failed: number } {
    return { live: this.live.size, pending: this.pending.size, failed: this.failed.size };
  }

  private touch(issuer: string, l: Live): void {
    const now = Date.now();
    if (now - l.usedAt < TOUCH_MS) return;
    l.usedAt = now;
    if (this.limits) {
      this.live.delete(issuer);
      this.live.set(issuer, l);
    }
  }

  private spend(now: number): boolean {
    const rate = this.limits?.newPerSecond ?? 0;
    this.budget = Math.min(rate, this.budget + ((now - this.refilledAt) / 1000) * rate);
    this.refilledAt = now;
    if (this.budget < 1) return false;
    this.budget -= 1;
    return true;
  }

  private establish(issuer: string, source: KeySource): void {
    if (this.pending.get(issuer) !== source) return;
    this.pending.delete(issuer);
    this.failed.delete(issuer);
    source.reportFailures = true;
    const limits = this.limits as IssuerLimits;
    const now = Date.now();
    // Oldest use first: drop idle issuers, then the least recently used beyond max.
    for (const [iss, l] of this.live) {
      if (this.live.size < limits.max && now - l.usedAt < limits.idle * 1000) break;
      this.drop(iss, l.source);
    }
    this.live.set(issuer, { source, usedAt: now });
  }

  private fail(issuer: string, source: KeySource): void {
    if (this.pending.get(issuer) !== source) return;
    this.pending.delete(issuer);
    this.dropped.discovery += source.stats.discovery;
    this.dropped.jwks += source.stats.jwks;
    const limits = this.limits as IssuerLimits;
    const failures = (this.failed.get(issuer)?.failures ?? 0) + 1;
    const backoff = Math.min(MAX_BACKOFF, this.o.cache.retryAfter * 2 ** (failures - 1));
    this.failed.delete(issuer);
    while (this.failed.size >= limits.failures) {
      const oldest = this.failed.keys().next();
      if (oldest.done) break;
      this.failed.delete(oldest.value);
    }
    if (limits.failures > 0)
      this.failed.set(issuer, { until: Date.now() + backoff * 1000, failures });
    this.report(issuer);
  }

  /** At most one line per minute about issuers whose first key fetch failed. */
  private report(issuer: string): void {
    this.unreported++;
    const now = Date.now();
    if (now - this.reportedAt < REPORT_MS) return;
    this.o.logger.warn(
      `scopegate: ${this.unreported} issuer(s) admitted by the resolver had no fetchable keys since the last report (latest ${quoted(issuer)}); they are backed off. Many of them may be forged tokens naming made-up tenants.`,
    );
    this.unreported = 0;
    this.reportedAt = now;
  }

  private drop(issuer: string, source: KeySource): void {
    this.live.delete(issuer);
    this.dropped.discovery += source.stats.discovery;
    this.dropped.jwks += source.stats.jwks;
  }
}

function unavailable(retryAfterSeconds: number): TemporarilyUnavailableError {
  const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
  return new TemporarilyUnavailableError(
    "the authorization server's keys are temporarily unavailable",
    { reason: "issuer_backoff", headers: { "Retry-After": String(seconds) } },
  );
}
