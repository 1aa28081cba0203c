import type { JSONWebKeySet, JWK } from "jose";
import { discover } from "./discovery.js";
import { TemporarilyUnavailableError } from "./errors.js";
import { fetchJson, KeySourceError } from "./fetch.js";
import { keyWithinBounds } from "./jwk.js";
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

type Settings = Pick<ResolvedOptions, "cache" | "fetch" | "jwksUri" | "jwks">;

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
        return set;
      },
      (error: unknown) => {
        this.failedAt = Date.now();
        this.inflight = undefined;
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
    const keys = jwks.keys.filter(isUsablePublicKey);
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
