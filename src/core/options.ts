import type { JSONWebKeySet } from "jose";
import { z } from "zod";
import { boundedNonce, wrapResolver } from "./callbacks.js";
import type { ResolvedDpop } from "./dpop.js";
import { ConfigurationError } from "./errors.js";
import {
  introspectionSchema,
  type ResolvedIntrospection,
  resolveIntrospection,
} from "./introspection-options.js";
import { checkHttpUrl, checkIssuerUrl, domainToIssuer } from "./issuer-url.js";
import { type Logger, type ResolvedLogger, resolveLogger } from "./logger.js";
import type { MaybePromise } from "./maybe.js";
import { mtlsSchema, type ResolvedMtls, resolveMtls } from "./mtls.js";
import { createNonceProvider, type NonceProvider } from "./nonce.js";
import { collectProblems, describeIssues } from "./option-errors.js";
import { type OrganizationCheck, resolveOrganization } from "./organization.js";
import { PolicyRegistry } from "./policies.js";
import { createMemoryReplayStore, type ReplayStore } from "./replay.js";
import type { ResourceMetadataOptions } from "./resource-metadata.js";
import { isStandardSchema, type StandardSchemaV1 } from "./standard-schema.js";
import type { IssuerLimits } from "./tenants.js";
import type { TokenCacheOptions } from "./token-cache.js";
import type { AuthOptions, IssuerResolver, IssuerResolverInput } from "./types.js";

/** Every asymmetric JWS algorithm jose verifies. */
export const ASYMMETRIC_ALGORITHMS: readonly string[] = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
  "Ed25519",
];

/** Every property present and not `undefined` (`Required` keeps an explicit `| undefined` under `exactOptionalPropertyTypes`). */
type Defined<T> = { [K in keyof T]-?: Exclude<T[K], undefined> };

/** Options after validation and defaults; internal. */
export interface ResolvedOptions {
  /** Static issuer list, or null when a resolver decides per request. */
  issuers: readonly string[] | null;
  /** Per-request issuer decision: the resolver's answer as an O(1) check. */
  resolver: ((input: IssuerResolverInput) => MaybePromise<(issuer: string) => boolean>) | null;
  audience: readonly string[];
  algorithms: readonly string[];
  clockTolerance: number;
  maxTokenAge: number | undefined;
  requiredClaims: readonly string[];
  strict: boolean;
  claims: StandardSchemaV1 | undefined;
  realm: string;
  jwksUri: string | undefined;
  jwks: JSONWebKeySet | undefined;
  cache: Defined<Omit<NonNullable<AuthOptions["cache"]>, "tokens" | "issuers">> & {
    tokens: false | Defined<TokenCacheOptions>;
    issuers: IssuerLimits;
  };
  fetch: typeof globalThis.fetch;
  dpop: ResolvedDpop;
  /** RFC 7662 introspection, when configured. */
  introspection: ResolvedIntrospection | undefined;
  /** RFC 8705 certificate-bound tokens. */
  mtls: ResolvedMtls;
  trustProxy: AuthOptions["trustProxy"];
  publicUrl: string | undefined;
  onAuthResult: AuthOptions["onAuthResult"];
  resourceMetadata: ResourceMetadataOptions | undefined;
  logger: ResolvedLogger;
  /** The allowed organizations of a request, or `null` when `organization` is not set. */
  organization: OrganizationCheck | null;
  policies: PolicyRegistry;
}

const seconds = z.number().finite().nonnegative();
const stringList = z.array(z.string().min(1)).min(1);
// Realm-safe (a Uint8Array from another realm, e.g. an edge runtime's TextEncoder, counts).
const bytes = z.custom<Uint8Array>(
  (v) => ArrayBuffer.isView(v) && Object.prototype.toString.call(v) === "[object Uint8Array]",
  "a Uint8Array",
);
const fn = z.custom<(...args: never[]) => unknown>((v) => typeof v === "function", "a function");
// Any Standard Schema validator (zod, valibot, arktype…): has a `~standard.validate` function.
const standardSchema = z.custom<StandardSchemaV1>(isStandardSchema, "a Standard Schema validator");

const optionsSchema = z.strictObject({
  domain: z.string().min(1).optional(),
  domains: z.union([stringList, fn]).optional(),
  issuer: z.string().min(1).optional(),
  issuers: z.union([stringList, fn]).optional(),
  jwksUri: z.string().min(1).optional(),
  jwks: z.object({ keys: z.array(z.looseObject({ kty: z.string() })) }).optional(),
  audience: z.union([z.string().min(1), stringList]),
  algorithms: stringList.optional(),
  clockTolerance: seconds.optional(),
  maxTokenAge: z.number().finite().positive().optional(),
  requiredClaims: z.array(z.string().min(1)).optional(),
  strict: z.boolean().optional(),
  claims: standardSchema.optional(),
  realm: z.string().min(1).optional(),
  cache: z
    .strictObject({
      maxAge: seconds.optional(),
      minAge: seconds.optional(),
      cooldown: seconds.optional(),
      staleIfError: seconds.optional(),
      retryAfter: z.number().finite().positive().optional(),
      timeout: z.number().finite().positive().optional(),
      maxResponseBytes: z.number().int().positive().optional(),
      discoveryMaxAge: seconds.optional(),
      tokens: z
        .union([
          z.literal(false),
          z.strictObject({
            max: z.number().int().nonnegative().optional(),
            maxAge: seconds.optional(),
          }),
        ])
        .optional(),
      issuers: z
        .strictObject({
          max: z.number().int().positive().optional(),
          idle: z.number().finite().positive().optional(),
          newPerSecond: z.number().finite().positive().optional(),
          failures: z.number().int().nonnegative().optional(),
        })
        .optional(),
    })
    .optional(),
  resolverTimeout: z.number().finite().positive().max(60).optional(),
  organization: z.union([z.string().min(1), stringList, fn]).optional(),
  policies: z.record(z.string(), z.unknown()).optional(),
  policyTimeout: z.number().finite().positive().max(60).optional(),
  fetch: fn.optional(),
  dpop: z
    .strictObject({
      mode: z.enum(["allowed", "required", "disabled"]).optional(),
      iatLeeway: seconds.optional(),
      iatOffset: z.number().finite().positive().optional(),
      algorithms: stringList.optional(),
      replayStore: z
        .custom<ReplayStore>(
          (v) =>
            typeof v === "object" && v !== null && typeof (v as ReplayStore).add === "function",
          "an object with add(key, ttlSeconds)",
        )
        .optional(),
      replayStoreTimeout: z.number().finite().positive().max(60).optional(),
      nonceTimeout: z.number().finite().positive().max(60).optional(),
      nonce: z
        .union([
          z.boolean(),
          z.custom<NonceProvider>(
            (v) =>
              typeof v === "object" &&
              v !== null &&
              typeof (v as NonceProvider).current === "function" &&
              typeof (v as NonceProvider).isValid === "function",
          ),
          z.strictObject({
            secret: z.union([z.string().min(16), bytes]).optional(),
            rotation: z.number().finite().positive().optional(),
          }),
        ])
        .optional(),
    })
    .optional(),
  introspection: introspectionSchema.optional(),
  mtls: mtlsSchema.optional(),
  trustProxy: z.union([z.boolean(), z.number().int().nonnegative(), fn]).optional(),
  publicUrl: z.string().min(1).optional(),
  onAuthResult: fn.optional(),
  logger: z
    .union([
      z.literal(false),
      z.custom<Logger>(
        (v) => typeof v === "object" && v !== null && typeof (v as Logger).warn === "function",
        "a logger with warn() (console fits), or false",
      ),
    ])
    .optional(),
  resourceMetadata: z
    .union([
      z.literal(true),
      z.strictObject({
        resource: z.string().min(1).optional(),
        url: z.string().min(1).optional(),
        scopesSupported: z.array(z.string().min(1)).optional(),
        resourceName: z.string().min(1).optional(),
        resourceDocumentation: z.string().min(1).optional(),
      }),
    ])
    .optional(),
});

/** Keys of the options object at `prefix` (for spelling suggestions). */
function knownKeys(prefix: string): readonly string[] {
  let shape: unknown = optionsSchema.shape;
  for (const part of prefix ? prefix.split(".") : []) {
    const field = (shape as Record<string, { unwrap?: () => unknown }>)[part];
    const inner = field?.unwrap?.() as { shape?: unknown } | undefined;
    shape = inner?.shape;
  }
  return typeof shape === "object" && shape !== null ? Object.keys(shape) : [];
}

/**
 * Validates `createAuth` options once and applies defaults. Throws one
 * {@link ConfigurationError} listing every bad option, each with its fix.
 */
export function resolveOptions(input: unknown): ResolvedOptions {
  if (typeof input !== "object" || input === null) {
    throw new ConfigurationError("", "createAuth(options) needs an options object");
  }
  const parsed = optionsSchema.safeParse(input);
  const problems = parsed.success ? [] : describeIssues(parsed.error.issues, input, knownKeys);
  // The checks below read the raw input when the schema failed, to report their problems too.
  const o = (parsed.success ? parsed.data : input) as z.output<typeof optionsSchema>;
  const sources = (["domain", "domains", "issuer", "issuers"] as const).filter(
    (k) => o[k] !== undefined,
  );
  let issuers: string[] | null = null;
  let resolver: ResolvedOptions["resolver"] = null;
  const resolverTimeout = o.resolverTimeout ?? 1;
  const algorithms = o.algorithms ?? ASYMMETRIC_ALGORITHMS;
  const given = o.fetch as typeof globalThis.fetch | undefined;
  let dpop: ResolvedDpop | undefined;
  let introspection: ResolvedIntrospection | undefined;
  let organization: OrganizationCheck | null = null;
  let policies: PolicyRegistry | undefined;
  collectProblems(problems, !parsed.success, [
    () => {
      if (sources.length === 0) {
        throw new ConfigurationError(
          "domain",
          "tell scopegate who issues the tokens: set domain (Auth0), domains, issuer or issuers",
        );
      }
      if (sources.length > 1) {
        throw new ConfigurationError(sources[1] ?? "", `use only one of ${sources.join(", ")}`);
      }
    },
    () => {
      if (o.domain !== undefined) issuers = [domainToIssuer(o.domain, "domain")];
      if (o.issuer !== undefined) issuers = [checkIssuerUrl(o.issuer, "issuer")];
      if (Array.isArray(o.domains))
        issuers = o.domains.map((d, i) => domainToIssuer(d, `domains[${i}]`));
      if (Array.isArray(o.issuers))
        issuers = o.issuers.map((d, i) => checkIssuerUrl(d, `issuers[${i}]`));
      if (typeof o.domains === "function")
        resolver = wrapResolver(o.domains as IssuerResolver, true, resolverTimeout);
      if (typeof o.issuers === "function")
        resolver = wrapResolver(o.issuers as IssuerResolver, false, resolverTimeout);
    },
    () => {
      for (const alg of algorithms) {
        if (!ASYMMETRIC_ALGORITHMS.includes(alg)) {
          const why = /^(HS|none)/i.test(alg)
            ? "symmetric and unsecured algorithms are never accepted for access tokens"
            : "not a supported asymmetric JWS algorithm";
          throw new ConfigurationError(
            "algorithms",
            `"${alg}" is ${why}; use some of ${ASYMMETRIC_ALGORITHMS.join(", ")}`,
          );
        }
      }
    },
    () => {
      if (o.jwksUri !== undefined) checkHttpUrl(o.jwksUri, "jwksUri");
      if (o.jwksUri !== undefined && o.jwks !== undefined) {
        throw new ConfigurationError("jwks", "use either jwks (static keys) or jwksUri, not both");
      }
    },
    () => {
      if (given === undefined && typeof globalThis.fetch !== "function") {
        throw new ConfigurationError(
          "fetch",
          "no global fetch in this runtime; pass options.fetch",
        );
      }
    },
    () => {
      if ((o.cache?.minAge ?? 30) > (o.cache?.maxAge ?? 600)) {
        throw new ConfigurationError("cache.minAge", "must not be greater than cache.maxAge");
      }
    },
    () => {
      if (o.publicUrl !== undefined) checkHttpUrl(o.publicUrl, "publicUrl");
    },
    () => {
      dpop = resolveDpop(o.dpop);
    },
    () => {
      introspection = resolveIntrospection(o.introspection, issuers);
    },
    () => {
      if (o.organization !== undefined) {
        organization = resolveOrganization(o.organization, resolverTimeout);
      }
    },
    () => {
      policies = new PolicyRegistry(o.policies, o.policyTimeout ?? 5);
    },
  ]);

  // Never called as a method of another object: workerd's fetch throws "Illegal invocation"
  // unless `this` is the global object, so the default is called on globalThis each time.
  const fetchFn: typeof globalThis.fetch =
    given === undefined
      ? (input, init) => globalThis.fetch(input, init)
      : (input, init) => given(input, init);
  const c = o.cache ?? {};
  const cache = {
    maxAge: c.maxAge ?? 600,
    minAge: c.minAge ?? 30,
    cooldown: c.cooldown ?? 30,
    staleIfError: c.staleIfError ?? 86_400,
    retryAfter: c.retryAfter ?? 5,
    timeout: c.timeout ?? 5,
    maxResponseBytes: c.maxResponseBytes ?? 512 * 1024,
    discoveryMaxAge: c.discoveryMaxAge ?? 3600,
    tokens:
      c.tokens === false
        ? (false as const)
        : { max: c.tokens?.max ?? 5000, maxAge: c.tokens?.maxAge ?? 600 },
    issuers: {
      max: c.issuers?.max ?? 5000,
      idle: c.issuers?.idle ?? 3600,
      newPerSecond: c.issuers?.newPerSecond ?? 10,
      failures: c.issuers?.failures ?? 10_000,
    },
  };
  return {
    issuers,
    resolver,
    audience: typeof o.audience === "string" ? [o.audience] : o.audience,
    algorithms,
    clockTolerance: o.clockTolerance ?? 5,
    maxTokenAge: o.maxTokenAge,
    requiredClaims: o.requiredClaims ?? [],
    strict: o.strict ?? false,
    claims: o.claims,
    realm: o.realm ?? "api",
    jwksUri: o.jwksUri,
    jwks: o.jwks as JSONWebKeySet | undefined,
    cache,
    fetch: fetchFn,
    dpop: dpop as ResolvedDpop,
    introspection,
    mtls: resolveMtls(o.mtls),
    trustProxy: o.trustProxy as AuthOptions["trustProxy"],
    publicUrl: o.publicUrl,
    onAuthResult: o.onAuthResult as AuthOptions["onAuthResult"],
    resourceMetadata: o.resourceMetadata === true ? {} : o.resourceMetadata,
    logger: resolveLogger(o.logger as Logger | false | undefined),
    organization,
    policies: policies as PolicyRegistry,
  };
}

function resolveDpop(d: NonNullable<AuthOptions["dpop"]> = {}): ResolvedDpop {
  const algorithms = d.algorithms ?? ASYMMETRIC_ALGORITHMS;
  for (const alg of algorithms) {
    if (!ASYMMETRIC_ALGORITHMS.includes(alg)) {
      throw new ConfigurationError(
        "dpop.algorithms",
        `"${alg}" is not an asymmetric JWS algorithm; use some of ${ASYMMETRIC_ALGORITHMS.join(", ")}`,
      );
    }
  }
  const n = d.nonce;
  const nonce =
    n === undefined || n === false
      ? undefined
      : n === true
        ? createNonceProvider()
        : "isValid" in n
          ? n
          : createNonceProvider(n);
  const nonceTimeout = d.nonceTimeout ?? 1;
  return {
    mode: d.mode ?? "allowed",
    iatLeeway: d.iatLeeway ?? 30,
    iatOffset: d.iatOffset ?? 300,
    algorithms,
    replayStore: d.replayStore ?? createMemoryReplayStore(),
    replayStoreTimeout: d.replayStoreTimeout ?? 1,
    nonce: nonce && boundedNonce(nonce, nonceTimeout),
  };
}
