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
import { useAuth } from "scopegate/graphql";
import { type AuthEnv, authFromEnv } from "../../auth-from-env.js";
import { createExampleSchema } from "../schema.js";

/** The Worker's `env` bindings this example reads. */
export type Env = AuthEnv;

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
