/**
 * The verifier of the host examples, from the environment: `AUTH0_DOMAIN` + `AUTH0_AUDIENCE`
 * for an Auth0 tenant, or `SCOPEGATE_ISSUER` + `SCOPEGATE_AUDIENCE` for any OIDC issuer (e.g.
 * a running `scopegate dev`). Empty variables count as unset.
 *
 * Call it once per process (module scope), not per request: keys and verified tokens are
 * cached on the `Auth` it returns — on AWS Lambda that is once per cold start.
 */
import { type AccessTokenClaims, type Auth, createAuth } from "scopegate";

/** Builds the verifier from `env`; throws when it names no issuer. */
export function authFromEnv(
  env: Record<string, string | undefined> = process.env,
): Auth<AccessTokenClaims> {
  const read = (name: string) => env[name] || undefined;
  const domain = read("AUTH0_DOMAIN");
  const audience = read("AUTH0_AUDIENCE");
  if (domain && audience) return createAuth({ domain, audience });
  const issuer = read("SCOPEGATE_ISSUER");
  const issuerAudience = read("SCOPEGATE_AUDIENCE") ?? audience;
  if (issuer && issuerAudience) return createAuth({ issuer, audience: issuerAudience });
  throw new Error(
    "set AUTH0_DOMAIN and AUTH0_AUDIENCE (or SCOPEGATE_ISSUER and SCOPEGATE_AUDIENCE)",
  );
}
