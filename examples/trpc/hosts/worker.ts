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
import type { AccessTokenClaims, Auth } from "scopegate";
import { type AuthEnv, authFromEnv } from "../../auth-from-env.js";
import { appRouter } from "../router.js";

/** The Worker's `env` bindings this example reads. */
export type Env = AuthEnv;

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
