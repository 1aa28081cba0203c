/**
 * The example tRPC router on `Bun.serve` or `Deno.serve` (the fetch adapter): one file for both.
 *
 *   bun examples/trpc/hosts/serve.ts
 *   deno run --allow-net --allow-env --allow-read examples/trpc/hosts/serve.ts
 *
 * Environment: `AUTH0_DOMAIN` + `AUTH0_AUDIENCE` for an Auth0 tenant, or `SCOPEGATE_ISSUER` +
 * `SCOPEGATE_AUDIENCE` for any OIDC issuer (e.g. a running `scopegate dev`);
 * `SCOPEGATE_JWKS` (a JWKS as JSON) for static keys; `PORT` (default 3001, 0 for a free one).
 * Prints `listening on http://127.0.0.1:PORT/trpc` once it accepts requests.
 */
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { createAuth } from "scopegate";
import { appRouter } from "../router.js";

/** The part of Bun's and Deno's globals this file uses (no bun-types / Deno types needed). */
interface Runtimes {
  Bun?: {
    env: Record<string, string | undefined>;
    serve(options: {
      hostname: string;
      port: number;
      fetch(request: Request): Response | Promise<Response>;
    }): { port: number };
  };
  Deno?: {
    env: { get(name: string): string | undefined };
    serve(
      options: { hostname: string; port: number; onListen(addr: { port: number }): void },
      handler: (request: Request) => Response | Promise<Response>,
    ): unknown;
  };
}
const { Bun, Deno } = globalThis as Runtimes;

const env = (name: string): string | undefined =>
  (Deno ? Deno.env.get(name) : Bun?.env[name]) || undefined;

/** The verifier, from the environment. */
function authFromEnv() {
  const jwksText = env("SCOPEGATE_JWKS");
  const jwks = jwksText ? JSON.parse(jwksText) : undefined;
  const domain = env("AUTH0_DOMAIN");
  const audience = env("AUTH0_AUDIENCE");
  if (domain && audience) return createAuth({ domain, audience, jwks });
  const issuer = env("SCOPEGATE_ISSUER");
  const issuerAudience = env("SCOPEGATE_AUDIENCE");
  if (issuer && issuerAudience) return createAuth({ issuer, audience: issuerAudience, jwks });
  throw new Error(
    "set AUTH0_DOMAIN and AUTH0_AUDIENCE (or SCOPEGATE_ISSUER and SCOPEGATE_AUDIENCE)",
  );
}
const auth = authFromEnv();

function handler(request: Request): Response | Promise<Response> {
  if (!new URL(request.url).pathname.startsWith("/trpc/")) {
    return new Response("not found", { status: 404 });
  }
  return fetchRequestHandler({
    endpoint: "/trpc",
    req: request,
    router: appRouter,
    createContext: auth.createAuthContext,
  });
}

const hostname = "127.0.0.1";
const port = Number(env("PORT") ?? 3001);
const listening = (bound: number) => console.log(`listening on http://${hostname}:${bound}/trpc`);
if (Bun) listening(Bun.serve({ hostname, port, fetch: handler }).port);
else if (Deno) Deno.serve({ hostname, port, onListen: ({ port }) => listening(port) }, handler);
else throw new Error("run this file with bun or deno (on Node, see ../server.ts)");
