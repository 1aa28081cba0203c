import { ConfigurationError, checkIssuerUrl, domainToIssuer } from "scopegate";
import { UsageError } from "./io.js";

/** The configuration `inspect` compares a token with, and where each value came from. */
export interface InspectConfig {
  /** The issuer (`iss`) the API expects. */
  readonly issuer: string | undefined;
  /** Set when the issuer came from an Auth0 domain (`createAuth({ domain })`). */
  readonly domain: string | undefined;
  /** `--issuer`, `--domain`, `AUTH0_DOMAIN` or `SCOPEGATE_ISSUER`. */
  readonly issuerFrom: string | undefined;
  /** The audience the API expects. */
  readonly audience: string | undefined;
  /** `--audience`, `AUTH0_AUDIENCE` or `SCOPEGATE_AUDIENCE`. */
  readonly audienceFrom: string | undefined;
}

/** Command-line values that override the environment. */
export interface ConfigFlags {
  issuer?: string | undefined;
  domain?: string | undefined;
  audience?: string | undefined;
}

const set = (value: string | undefined): string | undefined =>
  value === undefined || value.trim() === "" ? undefined : value.trim();

function validated(check: () => string): string {
  try {
    return check();
  } catch (error) {
    if (error instanceof ConfigurationError) throw new UsageError(error.message);
    throw error;
  }
}

/**
 * Flags first, then `AUTH0_DOMAIN` / `AUTH0_AUDIENCE`, then `SCOPEGATE_ISSUER` /
 * `SCOPEGATE_AUDIENCE` (what the examples read). Values are checked as `createAuth` would
 * (a domain given with `https://` is a usage error naming the fix).
 */
export function resolveConfig(
  flags: ConfigFlags,
  env: Readonly<Record<string, string | undefined>>,
): InspectConfig {
  if (flags.issuer !== undefined && flags.domain !== undefined) {
    throw new UsageError("give --issuer or --domain, not both");
  }
  const auth0Domain = set(env.AUTH0_DOMAIN);
  const envIssuer = set(env.SCOPEGATE_ISSUER);
  let issuer: string | undefined;
  let domain: string | undefined;
  let issuerFrom: string | undefined;
  if (flags.issuer !== undefined) {
    issuerFrom = "--issuer";
    issuer = validated(() => checkIssuerUrl(flags.issuer ?? "", "--issuer"));
  } else if (flags.domain !== undefined || auth0Domain !== undefined) {
    issuerFrom = flags.domain !== undefined ? "--domain" : "AUTH0_DOMAIN";
    domain = (flags.domain ?? auth0Domain ?? "").trim().toLowerCase();
    issuer = validated(() => domainToIssuer(domain ?? "", issuerFrom ?? ""));
  } else if (envIssuer !== undefined) {
    issuerFrom = "SCOPEGATE_ISSUER";
    issuer = validated(() => checkIssuerUrl(envIssuer, "SCOPEGATE_ISSUER"));
  }
  // The audience comes with its issuer's variable; otherwise whichever is set.
  const candidates: (readonly [string, string | undefined])[] = [
    ["--audience", set(flags.audience)],
    ...(issuerFrom === "SCOPEGATE_ISSUER"
      ? [["SCOPEGATE_AUDIENCE", set(env.SCOPEGATE_AUDIENCE)] as const]
      : []),
    ["AUTH0_AUDIENCE", set(env.AUTH0_AUDIENCE)],
    ["SCOPEGATE_AUDIENCE", set(env.SCOPEGATE_AUDIENCE)],
  ];
  const found = candidates.find(([, value]) => value !== undefined);
  return {
    issuer,
    domain,
    issuerFrom,
    audience: found?.[1],
    audienceFrom: found?.[0],
  };
}

/** One line describing the configuration, for the report. */
export function describeConfig(config: InspectConfig): string {
  const issuer = config.issuer
    ? `issuer ${config.issuer} (from ${config.issuerFrom})`
    : "no issuer (give --issuer URL or --domain HOST, or set SCOPEGATE_ISSUER / AUTH0_DOMAIN)";
  const audience = config.audience
    ? `audience ${config.audience} (from ${config.audienceFrom})`
    : "no audience (give --audience, or set SCOPEGATE_AUDIENCE / AUTH0_AUDIENCE)";
  return `${issuer}; ${audience}`;
}
