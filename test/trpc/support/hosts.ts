/**
 * The tRPC hosts beyond node:http, Express and fetch, each on 127.0.0.1 with
 * `createContext: auth.createAuthContext` exactly: Fastify (`fastifyTRPCPlugin`), Next.js
 * pages (`createNextApiHandler`) and AWS Lambda (`awsLambdaRequestHandler` behind a local
 * API Gateway, with `responseMeta: authResponseMeta`).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { AnyTRPCRouter } from "@trpc/server";
import { awsLambdaRequestHandler } from "@trpc/server/adapters/aws-lambda";
import { fastifyTRPCPlugin } from "@trpc/server/adapters/fastify";
import { createNextApiHandler } from "@trpc/server/adapters/next";
import Fastify from "fastify";
import type { Auth } from "scopegate";
import { authResponseMeta } from "scopegate/trpc";
import { type LambdaKind, startLambdaGateway } from "./lambda.js";
import type { RunningServer } from "./servers.js";

type AnyAuth = Pick<Auth<unknown>, "createAuthContext">;

/** Fastify with the official plugin under `/trpc`. */
export async function startFastify(router: AnyTRPCRouter, auth: AnyAuth): Promise<RunningServer> {
  const app = Fastify({ forceCloseConnections: true });
  await app.register(fastifyTRPCPlugin, {
    prefix: "/trpc",
    trpcOptions: { router, createContext: auth.createAuthContext },
  });
  const address = await app.listen({ port: 0, host: "127.0.0.1" });
  return { url: `${address}/trpc`, close: () => app.close() };
}

/**
 * What Next.js does before it calls a pages API route `pages/api/trpc/[trpc].ts`: it puts the
 * dynamic segment into `req.query.trpc` (and the search parameters beside it). Next itself is
 * not installed; `createNextApiHandler` reads nothing else of Next's.
 */
export function nextApiRoute(
  handler: (
    req: IncomingMessage & { query: Record<string, string>; body?: unknown },
    res: ServerResponse,
  ) => unknown,
  prefix = "/api/trpc/",
) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (!url.pathname.startsWith(prefix)) {
      res.statusCode = 404;
      res.end();
      return;
    }
    const query: Record<string, string> = Object.fromEntries(url.searchParams);
    query.trpc = decodeURIComponent(url.pathname.slice(prefix.length));
    return handler(Object.assign(req, { query }), res);
  };
}

/** `createNextApiHandler` as the default export of `pages/api/trpc/[trpc].ts`. */
export function startNextPages(router: AnyTRPCRouter, auth: AnyAuth): Promise<RunningServer> {
  const handler = createNextApiHandler({ router, createContext: auth.createAuthContext });
  const server = createServer(nextApiRoute(handler));
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}/api/trpc`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

/** `awsLambdaRequestHandler` with the one extra line, behind a local API Gateway of `kind`. */
export function startLambda(
  kind: LambdaKind,
  router: AnyTRPCRouter,
  auth: AnyAuth,
): Promise<RunningServer> {
  const handler = awsLambdaRequestHandler({
    router,
    createContext: auth.createAuthContext,
    responseMeta: authResponseMeta,
  });
  return startLambdaGateway(kind, handler);
}
