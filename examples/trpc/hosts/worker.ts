/**
 * tRPC on Cloudflare Workers (the fetch adapter), with or without `nodejs_compat`.
 *
 *   // wrangler.toml: main = "examples/trpc/hosts/worker.ts"
 *   // [vars] AUTH0_DOMAIN = "tenant.us.auth0.com", AUTH0_AUDIENCE = "https://api.example.com"
 *
 * Configuration comes from the Worker `env` (wrangler `[vars]` or secrets):
 * `AUTH0_DOMAIN` + `AUTH0_AUDIENCE` for an Auth0 tenant, or `SCOPEGATE_ISSUER` +
 * `SCOPEGATE_AUDIENCE` for any OIDC issuer; `SCOPEGATE_JWKS` (a JWKS as JSON) skips discovery
 * and key fetches altogether. The verifier is built once per isolate, so keys and verified
 * tokens stay cached across requests. The router is the example's, `../router.ts`.
 */
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { type AccessTokenClaims, type Auth, createAuth } from "scopegate";
import { appRouter } from "../router.js";

/** The Worker's `env` bindings this example reads. */
export interface Env {
  AUTH0_DOMAIN?: string;
  AUTH0_AUDIENCE?: string;
  SCOPEGATE_ISSUER?: string;
  SCOPEGATE_AUDIENCE?: string;
  SCOPEGATE_JWKS?: string;
}

/** Builds the verifier from the Worker's `env`; throws when it names no issuer. */
export function authFromEnv(env: Env): Auth<AccessTokenClaims> {
  const jwks = env.SCOPEGATE_JWKS ? JSON.parse(env.SCOPEGATE_JWKS) : undefined;
  if (env.AUTH0_DOMAIN && env.AUTH0_AUDIENCE) {
    return createAuth({ domain: env.AUTH0_DOMAIN, audience: env.AUTH0_AUDIENCE, jwks });
  }
  if (env.SCOPEGATE_ISSUER && env.SCOPEGATE_AUDIENCE) {
    return createAuth({ issuer: env.SCOPEGATE_ISSUER, audience: env.SCOPEGATE_AUDIENCE, jwks });
  }
  throw new Error(
    "set AUTH0_DOMAIN and AUTH0_AUDIENCE (or SCOPEGATE_ISSUER and SCOPEGATE_AUDIENCE)",
  );
}

let auth: Auth<AccessTokenClaims> | undefined;

export default {
  fetch(request: Request, env: Env): Promise<Response> {
    auth ??= authFromEnv(env);
    return fetchRequestHandler({
      endpoint: "/trpc",
      req: request,
      router: appRouter,
      createContext: auth.createAuthContext,
    });
  },
};
