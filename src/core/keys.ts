import type { JSONWebKeySet, JWK } from "jose";
import { discover } from "./discovery.js";
import { TemporarilyUnavailableError } from "./errors.js";
import { fetchJson, KeySourceError } from "./fetch.js";
import { keyWithinBounds } from "./jwk.js";
import { describeError, quoted } from "./logger.js";
import type { ResolvedOptions } from "./options.js";

/** A fetched key set; internal. */
export interface KeySet {
  readonly keys: readonly JWK[];
  readonly kids: ReadonlySet<string>;
  readonly fetchedAt: number;
  readonly freshUntil: number;
  /** Monotonic generation; bumps on every successful fetch. */
  readonly generation: number;
}

type Settings = Pick<ResolvedOptions, "cache" | "fetch" | "jwksUri" | "jwks" | "logger">;

/**
 * The keys of one issuer: discovery, JWKS fetch, cache, single-flight, unknown-`kid`
 * cooldown and stale-if-error; internal.
 */
export class KeySource {
  /** Fetch counters (discovery and JWKS requests started), for tests and metrics. */
  readonly stats = { discovery: 0, jwks: 0 };
  private current: KeySet | undefined;
  private inflight: Promise<KeySet> | undefined;
  private lastKidRefetch = Number.NEGATIVE_INFINITY;
  private failedAt = Number.NEGATIVE_INFINITY;
  private discovered: { jwksUri: string; until: number } | undefined;
  private generation = 0;
  /** Whether a failure is logged (once, until the keys are had again). */
  reportFailures = true;
  private warned = false;
  private lastDropped = "";

  constructor(
    readonly issuer: string,
    private readonly settings: Settings,
  ) {
    if (settings.jwks) this.current = this.makeSet(settings.jwks, Number.POSITIVE_INFINITY);
  }

  /** The current keys; fetches them on first use. Rejects with a 503 when none can be had. */
  get(): Promise<KeySet> | KeySet {
    const cur = this.current;
    const now = Date.now();
    if (cur) {
      if (now < cur.freshUntil) return cur;
      // Stale: revalidate in the background, keep serving within the stale-if-error bound.
      if (!this.inflight && now - this.failedAt >= this.settings.cache.retryAfter * 1000) {
        this.start().catch(() => {});
      }
      if (now < cur.freshUntil + this.settings.cache.staleIfError * 1000) return cur;
    }
    if (this.inflight) return this.inflight;
    const wait = this.failedAt + this.settings.cache.retryAfter * 1000 - now;
    if (wait > 0) return Promise.reject(unavailable(wait / 1000));
    return this.start();
  }

  /**
   * Called when a token's `kid` is not in the key set: refetches at most once per cooldown
   * (concurrent callers share the fetch). Resolves to the new set, or `undefined` when the
   * cooldown forbids a refetch.
   */
  async refreshForUnknownKid(): Promise<KeySet | undefined> {
    if (this.settings.jwks) return undefined;
    if (this.inflight) return this.inflight;
    const now = Date.now();
    if (now - this.lastKidRefetch < this.settings.cache.cooldown * 1000) return undefined;
    const wait = this.failedAt + this.settings.cache.retryAfter * 1000 - now;
    if (wait > 0) throw unavailable(wait / 1000);
    this.lastKidRefetch = now;
    return this.start();
  }

  /** Fetches discovery and keys now (a failure rejects with the 503). */
  async warmup(): Promise<void> {
    if (this.settings.jwks) return;
    await (this.inflight ?? this.start());
  }

  private start(): Promise<KeySet> {
    const p = this.fetchKeys().then(
      (set) => {
        this.current = set;
        this.inflight = undefined;
        if (this.warned) {
          this.warned = false;
          this.settings.logger.warn(
            `scopegate: the keys of issuer ${quoted(this.issuer)} are available again`,
          );
        }
        return set;
      },
      (error: unknown) => {
        this.failedAt = Date.now();
        this.inflight = undefined;
        if (this.reportFailures && !this.warned) {
          this.warned = true;
          const serving = this.current
            ? "the last good keys keep serving for now"
            : `requests get 503 (retried after ${this.settings.cache.retryAfter} s)`;
          this.settings.logger.warn(
            `scopegate: the keys of issuer ${quoted(this.issuer)} could not be fetched (${describeError(error)}); ${serving}. Check the domain / issuer option and that the issuer is reachable.`,
          );
        }
        throw unavailable(this.settings.cache.retryAfter, error);
      },
    );
    this.inflight = p;
    return p;
  }

  private async fetchKeys(): Promise<KeySet> {
    const { cache, fetch } = this.settings;
    const http = { fetch, timeout: cache.timeout, maxBytes: cache.maxResponseBytes };
    let jwksUri = this.settings.jwksUri;
    if (!jwksUri) {
      const now = Date.now();
      if (!this.discovered || now >= this.discovered.until) {
        this.stats.discovery++;
        const found = await discover(this.issuer, http);
        this.discovered = { jwksUri: found, until: now + cache.discoveryMaxAge * 1000 };
      }
      jwksUri = this.discovered.jwksUri;
    }
    this.stats.jwks++;
    const { body, maxAge } = await fetchJson(jwksUri, http);
    const jwks = parseJwks(body, jwksUri);
    const ttl = Math.min(Math.max(maxAge ?? cache.maxAge, cache.minAge), cache.maxAge);
    return this.makeSet(jwks, Date.now() + ttl * 1000);
  }

  private makeSet(jwks: JSONWebKeySet, freshUntil: number): KeySet {
    const keys: JWK[] = [];
    const dropped: JWK[] = [];
    for (const k of jwks.keys) (isUsablePublicKey(k) ? keys : dropped).push(k);
    if (dropped.length > 0) this.reportDropped(dropped, jwks.keys.length);
    const kids = new Set<string>();
    for (const k of keys) if (typeof k.kid === "string") kids.add(k.kid);
    return {
      keys,
      kids,
      fetchedAt: Date.now(),
      freshUntil,
      generation: ++this.generation,
    };
  }

  /** Logs the keys a JWKS held that are not used, once per distinct set of them. */
  private reportDropped(dropped: readonly JWK[], total: number): void {
    const kids = dropped.map((k) => (typeof k.kid === "string" ? quoted(k.kid) : "(no kid)"));
    const key = kids.join(",");
    if (key === this.lastDropped) return;
    this.lastDropped = key;
    this.settings.logger.warn(
      `scopegate: issuer ${quoted(this.issuer)}: ${dropped.length} of ${total} JWKS keys are ignored (${kids.slice(0, 10).join(", ")}${kids.length > 10 ? ", …" : ""}): only public signature keys are used — RSA of 2048–8192 bits with an odd exponent of at most 32 bits, EC on P-256/384/521, Ed25519; no private or symmetric members, use "sig"`,
    );
  }
}

const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"] as const;

/**
 * Public signature keys within the size bounds only: a private or symmetric member, `use:
 * enc`, an unknown curve, or an RSA key outside 2048–8192 bits or with an exponent over 32
 * bits drops the key (so no published key makes a verification cost more than that).
 */
function isUsablePublicKey(k: JWK): boolean {
  if (typeof k !== "object" || k === null || typeof k.kty !== "string") return false;
  if (k.kty === "oct") return false;
  if (PRIVATE_MEMBERS.some((m) => m in k)) return false;
  if (k.use !== undefined && k.use !== "sig") return false;
  return keyWithinBounds(k);
}

function parseJwks(body: unknown, url: string): JSONWebKeySet {
  const keys = (body as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw new KeySourceError("not a JWKS (no keys array)", url);
  return { keys: keys.filter((k): k is JWK => typeof k === "object" && k !== null) };
}

function unavailable(retryAfterSeconds: number, cause?: unknown): TemporarilyUnavailableError {
  const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
  return new TemporarilyUnavailableError(
    "the authorization server's keys are temporarily unavailable",
    {
      reason: "key_source_unavailable",
      cause,
      headers: { "Retry-After": String(seconds) },
    },
  );
}
