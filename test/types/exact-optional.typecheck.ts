/**
 * Type test (checked by `npm run typecheck` under `test/types/tsconfig.exact.json`, i.e. with
 * `exactOptionalPropertyTypes: true`, and by the root `tsc --noEmit`): options fed from
 * `process.env` (`string | undefined`) compile, as the runtime treats `undefined` as absent.
 */
import { type AuthOptions, createAuth, type DpopOptions } from "scopegate";
import { requireAuth } from "scopegate/trpc";

const env = process.env;

// 1. The README's Auth0 set-up, straight from the environment.
export const auth0 = createAuth({ domain: env.AUTH0_DOMAIN, audience: env.AUTH0_AUDIENCE });

// 2. Every optional option may be given as `undefined`.
const maybeNumber = (name: string): number | undefined =>
  env[name] === undefined ? undefined : Number(env[name]);
const dpop: DpopOptions = {
  mode: undefined,
  iatLeeway: maybeNumber("DPOP_IAT_LEEWAY"),
  iatOffset: undefined,
  algorithms: undefined,
  replayStore: undefined,
  replayStoreTimeout: undefined,
  nonceTimeout: undefined,
  nonce: { secret: env.DPOP_NONCE_SECRET, rotation: maybeNumber("DPOP_NONCE_ROTATION") },
};
const options: AuthOptions = {
  domain: undefined,
  domains: undefined,
  issuer: env.SCOPEGATE_ISSUER,
  issuers: undefined,
  jwksUri: env.SCOPEGATE_JWKS_URI,
  jwks: undefined,
  audience: env.SCOPEGATE_AUDIENCE,
  algorithms: undefined,
  clockTolerance: maybeNumber("CLOCK_TOLERANCE"),
  maxTokenAge: undefined,
  requiredClaims: undefined,
  strict: undefined,
  claims: undefined,
  realm: env.REALM,
  cache: {
    maxAge: maybeNumber("JWKS_MAX_AGE"),
    minAge: undefined,
    cooldown: undefined,
    staleIfError: undefined,
    retryAfter: undefined,
    timeout: undefined,
    maxResponseBytes: undefined,
    discoveryMaxAge: undefined,
    tokens: { max: maybeNumber("TOKEN_CACHE_MAX"), maxAge: undefined },
    issuers: { max: undefined, idle: undefined, newPerSecond: undefined, failures: undefined },
  },
  resolverTimeout: undefined,
  fetch: undefined,
  dpop,
  trustProxy: undefined,
  publicUrl: env.PUBLIC_URL,
  onAuthResult: undefined,
  logger: undefined,
  resourceMetadata: {
    resource: env.RESOURCE,
    url: undefined,
    scopesSupported: undefined,
    resourceName: env.RESOURCE_NAME,
    resourceDocumentation: undefined,
  },
};
export const generic = createAuth(options);

// 3. verify() options from a request's headers.
export function check(token: string, headers: Record<string, string | undefined>) {
  return auth0.verify(token, { dpop: headers.dpop, method: undefined, url: undefined });
}

// 4. The verified claims keep their guaranteed fields under the flag too.
export const authed = requireAuth();
export const exp = (claims: Awaited<ReturnType<typeof auth0.verify>>): number => claims.exp;

// 5. Still refused: a wrong type, and a missing audience.
// @ts-expect-error domain is a string
createAuth({ domain: 42, audience: "https://api.example.com" });
// @ts-expect-error audience is required (it may be undefined, not left out)
createAuth({ domain: env.AUTH0_DOMAIN });
