import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { JWK } from "jose";
import { DEV_TOKEN_PATH } from "./dev.js";
import { CORS_HEADERS, sendJson } from "./http.js";
import { handleIntrospection, INTROSPECT_PATH, type IntrospectionContext } from "./introspect.js";
import { SIGNING_ALGORITHMS } from "./keys.js";
import { handleTokenRequest, type TokenEndpointContext } from "./token.js";
import type { FailableEndpoint, TestFailure } from "./types.js";

/** The host the issuer listens on. */
export const HOST = "127.0.0.1";

/** Where `"redirect"` sends clients. */
export const REDIRECT_TARGET = "http://127.0.0.1:1/elsewhere";

/** The `issuer` of the discovery document in `"wrong-issuer"` mode. */
export const WRONG_ISSUER = "https://wrong-issuer.example.test/";

/** Size of the padding member of `"oversize"` bodies (over 2 MiB in all). */
const OVERSIZE_PADDING = 2 * 1024 * 1024 + 1024;

/** The failure currently applied by `fail()`. */
export interface ActiveFailure {
  readonly mode: TestFailure;
  readonly endpoints: readonly FailableEndpoint[];
  readonly delayMs: number;
}

/** Mutable request counters. */
export interface MutableHits {
  discovery: number;
  jwks: number;
  token: number;
  introspection: number;
}

/** What the HTTP server needs from the issuer. */
export interface ServerContext extends TokenEndpointContext, IntrospectionContext {
  readonly url: string;
  readonly jwksUri: string;
  readonly cacheControl: string | null;
  readonly hits: MutableHits;
  failure(): ActiveFailure | null;
  jwks(): { keys: JWK[] };
  /** `POST /dev/token`, present only when the issuer was made with `devEndpoints: true`. */
  devToken?: ((req: IncomingMessage, res: ServerResponse) => Promise<void>) | undefined;
}

type Endpoint = keyof MutableHits;

const ROUTES: Record<string, { endpoint: Endpoint; method: "GET" | "POST" }> = {
  "/.well-known/openid-configuration": { endpoint: "discovery", method: "GET" },
  "/.well-known/oauth-authorization-server": { endpoint: "discovery", method: "GET" },
  "/.well-known/jwks.json": { endpoint: "jwks", method: "GET" },
  "/oauth/token": { endpoint: "token", method: "POST" },
  [INTROSPECT_PATH]: { endpoint: "introspection", method: "POST" },
};

function discoveryDocument(context: ServerContext, issuer: string): Record<string, unknown> {
  return {
    issuer,
    jwks_uri: context.jwksUri,
    token_endpoint: context.tokenEndpoint,
    introspection_endpoint: context.introspectionEndpoint,
    introspection_endpoint_auth_methods_supported: [
      "client_secret_basic",
      "client_secret_post",
      "private_key_jwt",
    ],
    grant_types_supported: ["client_credentials"],
    token_endpoint_auth_methods_supported: ["client_secret_post", "client_secret_basic", "none"],
    id_token_signing_alg_values_supported: [...SIGNING_ALGORITHMS],
    dpop_signing_alg_values_supported: [...SIGNING_ALGORITHMS],
  };
}

/** The node:http server of a test issuer, with the timers of pending `"slow"` answers. */
export class IssuerServer {
  readonly #server: Server;
  readonly #timers = new Set<NodeJS.Timeout>();
  #context: ServerContext | undefined;
  #closing: Promise<void> | undefined;

  private constructor(server: Server) {
    this.#server = server;
  }

  /** Starts listening on 127.0.0.1:`port` (0 = random). */
  static async listen(port: number): Promise<IssuerServer> {
    const server = createServer();
    const issuerServer = new IssuerServer(server);
    server.on("request", (req: IncomingMessage, res: ServerResponse) => {
      issuerServer.#handle(req, res).catch(() => {
        if (!res.headersSent) sendJson(res, 500, { error: "server_error" });
        else res.destroy();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, HOST, () => {
        server.off("error", reject);
        resolve();
      });
    });
    return issuerServer;
  }

  /** The port actually bound. */
  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** Connects the server to its issuer; requests before this get a 503. */
  attach(context: ServerContext): void {
    this.#context = context;
  }

  /** Stops listening, clears pending `"slow"` timers and destroys every connection. */
  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      for (const timer of this.#timers) clearTimeout(timer);
      this.#timers.clear();
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
    return this.#closing;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    for (const [name, value] of Object.entries(CORS_HEADERS)) res.setHeader(name, value);
    if (req.method === "OPTIONS") {
      res.writeHead(204, { "access-control-max-age": "600" });
      res.end();
      return;
    }
    const context = this.#context;
    if (!context) {
      sendJson(res, 503, { error: "temporarily_unavailable" });
      return;
    }
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    if (path === DEV_TOKEN_PATH && req.method === "POST" && context.devToken) {
      await context.devToken(req, res);
      return;
    }
    const route = ROUTES[path];
    if (!route || route.method !== req.method) {
      sendJson(res, 404, { error: "not_found", error_description: `${req.method} ${path}` });
      return;
    }
    context.hits[route.endpoint] += 1;
    if (route.endpoint === "token") {
      await handleTokenRequest(req, res, context);
      return;
    }
    const endpoint: FailableEndpoint = route.endpoint;
    const failure = context.failure();
    if (endpoint === "introspection" && !failure?.endpoints.includes(endpoint)) {
      await handleIntrospection(req, res, context);
    } else if (failure?.endpoints.includes(endpoint)) {
      this.#fail(failure, endpoint, context, req, res);
    } else {
      this.#answer(endpoint, context, res);
    }
  }

  #body(endpoint: FailableEndpoint, context: ServerContext): Record<string, unknown> {
    return endpoint === "jwks" ? context.jwks() : discoveryDocument(context, context.url);
  }

  #answer(
    endpoint: FailableEndpoint,
    context: ServerContext,
    res: ServerResponse,
    req?: IncomingMessage,
  ): void {
    if (endpoint === "introspection") {
      if (req) handleIntrospection(req, res, context).catch(() => res.destroy());
      return;
    }
    const headers: Record<string, string> = {};
    if (endpoint === "jwks" && context.cacheControl !== null) {
      headers["cache-control"] = context.cacheControl;
    }
    sendJson(res, 200, this.#body(endpoint, context), headers);
  }

  #fail(
    failure: ActiveFailure,
    endpoint: FailableEndpoint,
    context: ServerContext,
    req: IncomingMessage,
    res: ServerResponse,
  ): void {
    switch (failure.mode) {
      case "down":
        req.socket.destroy();
        return;
      case "slow": {
        const timer = setTimeout(() => {
          this.#timers.delete(timer);
          this.#answer(endpoint, context, res, req);
        }, failure.delayMs);
        timer.unref();
        this.#timers.add(timer);
        res.on("close", () => {
          clearTimeout(timer);
          this.#timers.delete(timer);
        });
        return;
      }
      case "500":
        sendJson(res, 500, { error: "server_error", error_description: "simulated failure" });
        return;
      case "invalid-json":
        sendJson(res, 200, endpoint === "introspection" ? '{"active": tr' : '{"keys": [');
        return;
      case "oversize":
        sendJson(res, 200, {
          ...(endpoint === "introspection" ? { active: false } : this.#body(endpoint, context)),
          padding: "x".repeat(OVERSIZE_PADDING),
        });
        return;
      case "redirect":
        res.writeHead(302, { location: REDIRECT_TARGET, "content-length": 0 });
        res.end();
        return;
      case "wrong-issuer":
        if (endpoint === "discovery") sendJson(res, 200, discoveryDocument(context, WRONG_ISSUER));
        else if (endpoint === "introspection") {
          handleIntrospection(req, res, context, { iss: WRONG_ISSUER }).catch(() => res.destroy());
        } else this.#answer(endpoint, context, res);
        return;
    }
  }
}
