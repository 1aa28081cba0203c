import type { JWK } from "jose";
import { z } from "zod";
import { ConfigurationError } from "./errors.js";
import { checkHttpUrl } from "./issuer-url.js";

/** How scopegate authenticates to the introspection endpoint (RFC 7662 §2.1, RFC 7523). */
export type IntrospectionClientAuth =
  | "client_secret_basic"
  | "client_secret_post"
  | "private_key_jwt";

/** The introspection cache (see {@link IntrospectionOptions.cache}). Durations in seconds. */
export interface IntrospectionCacheOptions {
  /**
   * Most introspection answers kept: active and inactive ones each (two maps, oldest
   * inserted dropped first, so a flood of unknown tokens cannot push out active ones).
   * `0` keeps nothing. @default 10000
   */
  max?: number | undefined;
  /** Longest an `active: true` answer is reused (never past the token's `exp`). @default 60 */
  maxAge?: number | undefined;
  /** How long an `active: false` answer is reused. @default 10 */
  negativeMaxAge?: number | undefined;
}

/**
 * RFC 7662 token introspection: opaque (reference) access tokens are checked by asking the
 * authorization server, and with `jwt: "always"` JWTs too (revocation checking).
 *
 * The endpoint is `endpoint`, or the `introspection_endpoint` of the issuer's discovery
 * document (only with exactly one configured issuer; with several or a resolver, give
 * `endpoint`). The answer's claims go through every check a JWT's claims do (`iss` when
 * present, `aud`, `exp` (required), `nbf`, `requiredClaims`, `strict`, the `claims` schema,
 * DPoP `cnf.jkt`, mTLS `cnf["x5t#S256"]`). `active: false` is a 401 `invalid_token`; an
 * endpoint that cannot be reached, times out (`cache.timeout`) or answers anything but a
 * 200 JSON object with a boolean `active` is a 503 `temporarily_unavailable` with
 * `Retry-After` (`cache.retryAfter`): never an allow.
 *
 * @example
 * ```ts
 * createAuth({
 *   issuer: "https://idp.example.com/",
 *   audience: "https://api.example.com",
 *   introspection: { clientId: "my-api", clientSecret: process.env.INTROSPECTION_SECRET },
 * });
 * ```
 */
export interface IntrospectionOptions {
  /** The client id scopegate authenticates as (a resource-server client at the issuer). */
  clientId: string;
  /** The client secret (`client_secret_basic` and `client_secret_post`). */
  clientSecret?: string | undefined;
  /**
   * The introspection endpoint URL. @default the `introspection_endpoint` of the issuer's
   * discovery document (exactly one configured issuer)
   */
  endpoint?: string | undefined;
  /**
   * Client authentication at the endpoint: `client_secret_basic` (HTTP Basic, RFC 6749
   * §2.3.1), `client_secret_post` (`client_id` and `client_secret` in the form) or
   * `private_key_jwt` (a client assertion signed with `privateKey`, RFC 7523).
   * @default "client_secret_basic"
   */
  clientAuth?: IntrospectionClientAuth | undefined;
  /**
   * The private key (a JWK with its private members and an `alg`, e.g. `RS256` or `ES256`)
   * that signs the `private_key_jwt` client assertion; its `kid`, when present, goes in the
   * assertion's header.
   */
  privateKey?: JWK | undefined;
  /**
   * `never`: JWTs are verified locally only (default). `always`: a JWT is verified locally
   * AND must be `active` at the introspection endpoint (revocation checking; the claims used
   * are the JWT's own). With `always` the verified-token cache is off, so a revocation is
   * seen within `cache.maxAge` of the introspection cache. @default "never"
   */
  jwt?: "never" | "always" | undefined;
  /** The introspection cache, keyed by SHA-256 of the token; `false` turns it off. */
  cache?: false | IntrospectionCacheOptions | undefined;
}

/** {@link IntrospectionOptions} after validation and defaults; internal. */
export interface ResolvedIntrospection {
  clientId: string;
  clientSecret: string | undefined;
  endpoint: string | undefined;
  clientAuth: IntrospectionClientAuth;
  privateKey: JWK | undefined;
  jwt: "never" | "always";
  /** `max` 0 when the cache is off. */
  cache: { max: number; maxAge: number; negativeMaxAge: number };
}

const seconds = z.number().finite().nonnegative();

/** The zod schema of the `introspection` option; internal. */
export const introspectionSchema = z.strictObject({
  clientId: z.string().min(1),
  clientSecret: z.string().min(1).optional(),
  endpoint: z.string().min(1).optional(),
  clientAuth: z.enum(["client_secret_basic", "client_secret_post", "private_key_jwt"]).optional(),
  privateKey: z.looseObject({ kty: z.string(), alg: z.string().optional() }).optional(),
  jwt: z.enum(["never", "always"]).optional(),
  cache: z
    .union([
      z.literal(false),
      z.strictObject({
        max: z.number().int().nonnegative().optional(),
        maxAge: seconds.optional(),
        negativeMaxAge: seconds.optional(),
      }),
    ])
    .optional(),
});

/** Defaults of the introspection cache. */
export const INTROSPECTION_DEFAULTS = { max: 10_000, maxAge: 60, negativeMaxAge: 10 } as const;

/**
 * Validates the cross-field rules of `introspection` and applies defaults. `issuers` is the
 * static issuer list (`null` with a resolver). Throws a {@link ConfigurationError}.
 */
export function resolveIntrospection(
  i: z.output<typeof introspectionSchema> | undefined,
  issuers: readonly string[] | null,
): ResolvedIntrospection | undefined {
  if (!i) return undefined;
  const clientAuth = i.clientAuth ?? "client_secret_basic";
  if (i.endpoint !== undefined) checkHttpUrl(i.endpoint, "introspection.endpoint");
  else if (issuers?.length !== 1) {
    throw new ConfigurationError(
      "introspection.endpoint",
      "with several issuers or an issuer resolver, name the introspection endpoint (it is discovered only for a single issuer)",
    );
  }
  if (clientAuth === "private_key_jwt") {
    const key = i.privateKey as JWK | undefined;
    if (!key || typeof key.alg !== "string" || key.d === undefined) {
      throw new ConfigurationError(
        "introspection.privateKey",
        "private_key_jwt needs privateKey: a private JWK with an alg (e.g. RS256, ES256)",
      );
    }
    if (/^(HS|none)/i.test(key.alg)) {
      throw new ConfigurationError(
        "introspection.privateKey",
        `"${key.alg}" is not an asymmetric algorithm; private_key_jwt signs with a private key`,
      );
    }
  } else if (i.clientSecret === undefined) {
    throw new ConfigurationError(
      "introspection.clientSecret",
      `${clientAuth} needs clientSecret (or use clientAuth "private_key_jwt" with privateKey)`,
    );
  }
  const c = i.cache;
  return {
    clientId: i.clientId,
    clientSecret: i.clientSecret,
    endpoint: i.endpoint,
    clientAuth,
    privateKey: i.privateKey as JWK | undefined,
    jwt: i.jwt ?? "never",
    cache:
      c === false
        ? { max: 0, maxAge: 0, negativeMaxAge: 0 }
        : {
            max: c?.max ?? INTROSPECTION_DEFAULTS.max,
            maxAge: c?.maxAge ?? INTROSPECTION_DEFAULTS.maxAge,
            negativeMaxAge: c?.negativeMaxAge ?? INTROSPECTION_DEFAULTS.negativeMaxAge,
          },
  };
}
