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
import { type AuthEnv, authFromEnv } from "../../auth-from-env.js";
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

const names = [
  "AUTH0_DOMAIN",
  "AUTH0_AUDIENCE",
  "SCOPEGATE_ISSUER",
  "SCOPEGATE_AUDIENCE",
  "SCOPEGATE_JWKS",
] as const;
const variable = (name: string): string | undefined =>
  (Deno ? Deno.env.get(name) : Bun?.env[name]) || undefined;
const env: AuthEnv = Object.fromEntries(names.map((name) => [name, variable(name)]));
const auth = authFromEnv(env);

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
const port = Number(variable("PORT") ?? 3001);
const listening = (bound: number) => console.log(`listening on http://${hostname}:${bound}/trpc`);
if (Bun) listening(Bun.serve({ hostname, port, fetch: handler }).port);
else if (Deno) Deno.serve({ hostname, port, onListen: ({ port }) => listening(port) }, handler);
else throw new Error("run this file with bun or deno (on Node, see ../server.ts)");
