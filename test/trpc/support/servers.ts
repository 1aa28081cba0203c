/** Real HTTP / WebSocket servers on 127.0.0.1 for the tRPC tests, one per tRPC adapter. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { AnyTRPCRouter } from "@trpc/server";
import { createExpressMiddleware } from "@trpc/server/adapters/express";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { createHTTPServer } from "@trpc/server/adapters/standalone";
import { applyWSSHandler } from "@trpc/server/adapters/ws";
import express from "express";
import type { Auth } from "scopegate";
import { WebSocketServer } from "ws";
import { startFastify, startLambda, startNextPages } from "./hosts.js";

export type AdapterName =
  | "fetch"
  | "standalone"
  | "express"
  | "fastify"
  | "next-pages"
  | "lambda-v1"
  | "lambda-v2"
  | "lambda-url";

export interface RunningServer {
  /** Base URL of the tRPC endpoint, e.g. `http://127.0.0.1:1234/trpc`. */
  url: string;
  close(): Promise<void>;
}

/** Any `Auth`: the servers only use its `createAuthContext`, the one-line set-up. */
type AnyAuth = Pick<Auth<unknown>, "createAuthContext">;

function listen(server: Server, path: string): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}${path}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  if (req.method === "GET" || req.method === "HEAD") return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** node:http → Fetch `Request` → `fetchRequestHandler` → Fetch `Response` → node:http. */
function fetchAdapter(router: AnyTRPCRouter, auth: AnyAuth) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      for (const v of Array.isArray(value) ? value : value ? [value] : []) headers.append(name, v);
    }
    const controller = new AbortController();
    res.on("close", () => controller.abort());
    const request = new Request(`http://${req.headers.host}${req.url}`, {
      method: req.method,
      headers,
      body: await readBody(req),
      signal: controller.signal,
    });
    const response = await fetchRequestHandler({
      endpoint: "/trpc",
      req: request,
      router,
      createContext: auth.createAuthContext,
    });
    res.writeHead(response.status, Object.fromEntries(response.headers));
    if (!response.body) return res.end();
    const reader = response.body.getReader();
    try {
      for (let r = await reader.read(); !r.done; r = await reader.read()) res.write(r.value);
    } catch {
      // the client went away
    }
    res.end();
  };
}

/** Serves `router` on 127.0.0.1 with a tRPC adapter and `createContext: auth.createAuthContext`. */
export function startServer(
  adapter: AdapterName,
  router: AnyTRPCRouter,
  auth: AnyAuth,
): Promise<RunningServer> {
  switch (adapter) {
    case "fetch":
      return listen(createServer(fetchAdapter(router, auth)), "/trpc");
    case "standalone":
      return listen(createHTTPServer({ router, createContext: auth.createAuthContext }), "");
    case "express": {
      const app = express();
      app.use("/trpc", createExpressMiddleware({ router, createContext: auth.createAuthContext }));
      return listen(createServer(app), "/trpc");
    }
    case "fastify":
      return startFastify(router, auth);
    case "next-pages":
      return startNextPages(router, auth);
    case "lambda-v1":
    case "lambda-v2":
    case "lambda-url":
      return startLambda(adapter, router, auth);
  }
}

/** A WebSocket server with `applyWSSHandler`; `url` is `ws://127.0.0.1:PORT`. */
export async function startWsServer(router: AnyTRPCRouter, auth: AnyAuth): Promise<RunningServer> {
  const server = createServer();
  const wss = new WebSocketServer({ server });
  const handler = applyWSSHandler({ wss, router, createContext: auth.createAuthContext });
  const running = await listen(server, "");
  return {
    url: running.url.replace(/^http/, "ws"),
    close: async () => {
      handler.broadcastReconnectNotification();
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((done) => wss.close(() => done()));
      await running.close();
    },
  };
}
