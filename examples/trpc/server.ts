/**
 * The tRPC example server: the standalone adapter for queries, mutations and SSE
 * subscriptions, plus WebSocket subscriptions on the same port.
 *
 *   npx tsx examples/trpc/server.ts        # port 3001, or PORT
 *
 * With AUTH0_DOMAIN and AUTH0_AUDIENCE set (environment or `.env`) it protects the API with
 * that tenant; without them it starts the embedded `scopegate/testing` issuer and prints
 * ready-to-paste curl lines with freshly minted tokens.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import { createHTTPServer } from "@trpc/server/adapters/standalone";
import { applyWSSHandler } from "@trpc/server/adapters/ws";
import type { AccessTokenClaims, Auth } from "scopegate";
import { WebSocketServer } from "ws";
import { portFromEnv, portInUseMessage, setupExampleAuth } from "../setup.js";
import { appRouter } from "./router.js";

/** Options of {@link startTrpcExample}. */
export interface TrpcExampleOptions {
  auth: Auth<AccessTokenClaims>;
  /** Port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
}

/**
 * CORS for browser pages on other origins (the browser demo in `../browser`): any origin, no
 * cookies; the `Authorization` and `DPoP` request headers; the challenge headers readable.
 * tRPC answers no `OPTIONS` itself, so the preflight ends here.
 */
function cors(req: IncomingMessage, res: ServerResponse, next: () => void): void {
  res.setHeader("access-control-allow-origin", "*");
  res.setHeader("access-control-expose-headers", "WWW-Authenticate, DPoP-Nonce");
  if (req.method !== "OPTIONS") {
    next();
    return;
  }
  res.writeHead(204, {
    "access-control-allow-methods": "GET, POST, OPTIONS",
    "access-control-allow-headers": "authorization, dpop, content-type",
    "access-control-max-age": "600",
  });
  res.end();
}

/**
 * Starts the example router on 127.0.0.1 with the one-line set-up
 * `createContext: auth.createAuthContext`. `url` is the tRPC endpoint
 * (`http://127.0.0.1:PORT/trpc`); WebSocket clients use the same URL with `ws:`.
 */
export async function startTrpcExample({
  auth,
  port = 0,
}: TrpcExampleOptions): Promise<{ url: string; close(): Promise<void> }> {
  const server = createHTTPServer({
    router: appRouter,
    createContext: auth.createAuthContext,
    basePath: "/trpc/",
    middleware: cors,
  });
  // Listen first: a WebSocketServer attached before re-emits a listen error (a busy port) as
  // an unhandled 'error' event, a raw stack instead of this promise's rejection.
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const wss = new WebSocketServer({ server, path: "/trpc" });
  const ws = applyWSSHandler({ wss, router: appRouter, createContext: auth.createAuthContext });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}/trpc`,
    async close() {
      ws.broadcastReconnectNotification();
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Tokens for {@link trpcCurlLines}: one with `read:messages`, one with another scope. */
export interface CurlTokens {
  withScope: string;
  withoutScope: string;
}

/** Ready-to-paste curl lines for the three documented outcomes: 401, 200, 403. */
export function trpcCurlLines(url: string, tokens: CurlTokens): string[] {
  const messages = `${url}/messages`;
  return [
    '# no token -> 401 UNAUTHORIZED, WWW-Authenticate: Bearer realm="api"…',
    `curl -i ${messages}`,
    "# token with read:messages -> 200",
    `curl -i -H "Authorization: Bearer ${tokens.withScope}" ${messages}`,
    '# token without read:messages -> 403 FORBIDDEN, WWW-Authenticate: …error="insufficient_scope"…',
    `curl -i -H "Authorization: Bearer ${tokens.withoutScope}" ${messages}`,
  ];
}

async function main(): Promise<void> {
  const port = portFromEnv("PORT", 3001);
  const example = await setupExampleAuth();
  let server: Awaited<ReturnType<typeof startTrpcExample>>;
  try {
    server = await startTrpcExample({ auth: example.auth, port });
  } catch (error) {
    await example.close();
    const fix = `PORT=${port + 100} npx tsx examples/trpc/server.ts`;
    const message = portInUseMessage(error, port, "the tRPC example", fix);
    if (!message) throw error;
    console.error(message);
    process.exit(1);
  }
  console.log(
    `tRPC example listening on ${server.url} (WebSocket: ${server.url.replace("http", "ws")})`,
  );
  if (example.mint) {
    const tokens = {
      withScope: await example.mint({ scope: "read:messages" }),
      withoutScope: await example.mint({ scope: "read:data" }),
    };
    console.log(`Embedded issuer: ${example.issuer?.url}\n`);
    for (const line of trpcCurlLines(server.url, tokens)) console.log(line);
  } else {
    console.log("Protected by your Auth0 tenant; get a token (client credentials) and run:\n");
    for (const line of trpcCurlLines(server.url, { withScope: "$TOKEN", withoutScope: "$TOKEN" })) {
      console.log(line);
    }
  }
  console.log("\nCtrl-C to stop.");
  const stop = async () => {
    await server.close();
    await example.close();
    process.exit(0);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    // A bad PORT is one line; anything else keeps its stack.
    console.error(error instanceof Error && error.name === "PortError" ? error.message : error);
    process.exit(1);
  });
}
