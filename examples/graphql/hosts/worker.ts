/**
 * graphql-yoga on Cloudflare Workers with the example `@auth` schema, with or without
 * `nodejs_compat`.
 *
 *   // wrangler.toml: main = "examples/graphql/hosts/worker.ts"
 *   // [vars] AUTH0_DOMAIN = "tenant.us.auth0.com", AUTH0_AUDIENCE = "https://api.example.com"
 *
 * Configuration comes from the Worker `env`: `AUTH0_DOMAIN` + `AUTH0_AUDIENCE`, or
 * `SCOPEGATE_ISSUER` + `SCOPEGATE_AUDIENCE`; `SCOPEGATE_JWKS` (a JWKS as JSON) for static keys.
 * The yoga server (and its verifier, with the key and token caches) is built once per isolate.
 */
import { createYoga, type YogaServerInstance } from "graphql-yoga";
import { type AccessTokenClaims, type Auth, createAuth } from "scopegate";
import { useAuth } from "scopegate/graphql";
import { createExampleSchema } from "../schema.js";

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

// biome-ignore lint/complexity/noBannedTypes: yoga's own default for "no server context"
let yoga: YogaServerInstance<{}, {}> | undefined;

export default {
  fetch(request: Request, env: Env): Response | Promise<Response> {
    yoga ??= createYoga({
      schema: createExampleSchema(),
      plugins: [useAuth(authFromEnv(env))],
      graphqlEndpoint: "/graphql",
      landingPage: false,
    });
    return yoga.fetch(request);
  },
};
