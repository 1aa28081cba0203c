/**
 * The browser demo's static server: serves `index.html`, `demo.js` and `/config.json` (the
 * URLs the page calls) on 127.0.0.1. The page gets a DPoP-bound token from the local issuer
 * with a non-extractable WebCrypto key and calls the tRPC and GraphQL examples with it.
 *
 * `npm run demo` starts it next to the two examples and prints its URL. The APIs answer the
 * page's cross-origin calls with CORS (see the `cors` options of `../trpc/server.ts` and
 * `../graphql/server.ts`).
 */
import { once } from "node:events";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** What the page is told to call (served as `/config.json`). */
export interface BrowserDemoConfig {
  /** The issuer's client-credentials endpoint, e.g. `http://127.0.0.1:PORT/oauth/token`. */
  tokenEndpoint: string;
  /** The tRPC endpoint of `startTrpcExample`, e.g. `http://127.0.0.1:3001/trpc`. */
  trpcUrl: string;
  /** The GraphQL endpoint of `startGraphqlExample`, e.g. `http://127.0.0.1:4000/graphql`. */
  graphqlUrl: string;
  /** The `client_id` of the token request; default `"browser-demo"`. */
  clientId?: string;
  /** The `scope` asked for; default `"read:messages"` (what `messages` needs in both APIs). */
  scope?: string;
}

/** Options of {@link startBrowserDemo}. */
export interface BrowserDemoOptions extends BrowserDemoConfig {
  /** Port on 127.0.0.1; default 0 (a free port). */
  port?: number;
}

/** The running page server: `url` is the page (`http://127.0.0.1:PORT/`). */
export interface BrowserDemo {
  url: string;
  close(): Promise<void>;
}

const FILES: Record<string, { file: string; type: string }> = {
  "/": { file: "index.html", type: "text/html; charset=utf-8" },
  "/index.html": { file: "index.html", type: "text/html; charset=utf-8" },
  "/demo.js": { file: "demo.js", type: "text/javascript; charset=utf-8" },
};

/**
 * Starts the static server of the browser demo.
 *
 * @example
 * ```ts
 * const page = await startBrowserDemo({ tokenEndpoint: issuer.tokenEndpoint, trpcUrl, graphqlUrl });
 * console.log(`open ${page.url}`);
 * ```
 */
export async function startBrowserDemo(options: BrowserDemoOptions): Promise<BrowserDemo> {
  const config = JSON.stringify({
    tokenEndpoint: options.tokenEndpoint,
    trpcUrl: options.trpcUrl,
    graphqlUrl: options.graphqlUrl,
    clientId: options.clientId ?? "browser-demo",
    scope: options.scope ?? "read:messages",
  });
  const origins = [options.tokenEndpoint, options.trpcUrl, options.graphqlUrl]
    .map((url) => new URL(url).origin)
    .join(" ");
  const headers = {
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    // The page may only run its own script and talk to the issuer and the two APIs.
    "content-security-policy": `default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self' ${origins}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
  };

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    if (path === "/config.json") {
      res.writeHead(200, { ...headers, "content-type": "application/json" }).end(config);
      return;
    }
    const entry = FILES[path];
    if (!entry) {
      res.writeHead(404, { ...headers, "content-type": "text/plain" }).end("not found");
      return;
    }
    readFile(new URL(entry.file, import.meta.url)).then(
      (body) => res.writeHead(200, { ...headers, "content-type": entry.type }).end(body),
      () => res.writeHead(500, { "content-type": "text/plain" }).end("cannot read the page"),
    );
  });
  // A busy port rejects with the EADDRINUSE error (`npm run demo` explains it in one line).
  server.listen(options.port ?? 0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    async close() {
      server.close();
      server.closeAllConnections();
      await once(server, "close").catch(() => {});
    },
  };
}
