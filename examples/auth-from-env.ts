/**
 * The verifier of the host examples, from environment variables (Node's `process.env`, a
 * Worker's `env`, `Deno.env` / `Bun.env`): `AUTH0_DOMAIN` + `AUTH0_AUDIENCE` for an Auth0
 * tenant, or `SCOPEGATE_ISSUER` + `SCOPEGATE_AUDIENCE` for any OIDC issuer (e.g. a running
 * `scopegate dev`); `SCOPEGATE_JWKS` (a JWKS as JSON) for static keys. Empty variables count
 * as unset.
 *
 * Call it once per process or isolate (module scope), not per request: keys and verified
 * tokens are cached on the `Auth` it returns — on AWS Lambda that is once per cold start.
 */
import { type AccessTokenClaims, type Auth, createAuth } from "scopegate";

/** The variables {@link authFromEnv} reads. */
export type AuthEnv = Readonly<
  Partial<
    Record<
      | "AUTH0_DOMAIN"
      | "AUTH0_AUDIENCE"
      | "SCOPEGATE_ISSUER"
      | "SCOPEGATE_AUDIENCE"
      | "SCOPEGATE_JWKS",
      string
    >
  >
>;

/** Builds the verifier from `env`; throws when it names no issuer. */
export function authFromEnv(env: AuthEnv = process.env): Auth<AccessTokenClaims> {
  const read = (name: keyof AuthEnv) => env[name] || undefined;
  const jwksText = read("SCOPEGATE_JWKS");
  const jwks = jwksText ? JSON.parse(jwksText) : undefined;
  const domain = read("AUTH0_DOMAIN");
  const audience = read("AUTH0_AUDIENCE");
  if (domain && audience) return createAuth({ domain, audience, jwks });
  const issuer = read("SCOPEGATE_ISSUER");
  const issuerAudience = read("SCOPEGATE_AUDIENCE") ?? audience;
  if (issuer && issuerAudience) return createAuth({ issuer, audience: issuerAudience, jwks });
  throw new Error(
    "set AUTH0_DOMAIN and AUTH0_AUDIENCE (or SCOPEGATE_ISSUER and SCOPEGATE_AUDIENCE)",
  );
}
