/**
 * The GraphQL example: graphql-yoga on node:http with the `@auth` schema, GraphiQL (served
 * from the local `@graphql-yoga/render-graphiql`, so it works offline), SSE and graphql-ws
 * (WebSocket) subscriptions.
 *
 *   npx tsx examples/graphql/server.ts     # PORT or 4000; prints ready-to-paste curl lines
 */
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import type { ExecutionArgs } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { createYoga } from "graphql-yoga";
import type { Auth } from "scopegate";
import { useAuth } from "scopegate/graphql";
import { WebSocketServer } from "ws";
import { portFromEnv, portInUseMessage, setupExampleAuth } from "../setup.js";
import { createExampleSchema, exampleTokenClaims } from "./schema.js";

/** Options of {@link startGraphqlExample}. */
export interface GraphqlExampleOptions<Claims> {
  /** The verifier (from `createAuth`). */
  auth: Auth<Claims>;
  /** Port on 127.0.0.1; default 0 (a free port). */
  port?: number;
  /** A token to prefill in GraphiQL's header editor. */
  token?: string;
}

/** A running example server. */
export interface GraphqlExample {
  /** The GraphQL endpoint, e.g. `http://127.0.0.1:4000/graphql` (GraphiQL in a browser). */
  url: string;
  close(): Promise<void>;
}

/**
 * Starts the example GraphQL API: `POST /graphql` (and GET, SSE subscriptions), GraphiQL at
 * the same URL in a browser, and graphql-ws on `ws://…/graphql` (token in
 * `connectionParams.authorization`).
 *
 * @example
 * ```ts
 * const { url, close } = await startGraphqlExample({ auth });
 * ```
 */
export async function startGraphqlExample<Claims>(
  options: GraphqlExampleOptions<Claims>,
): Promise<GraphqlExample> {
  const yoga = createYoga({
    schema: createExampleSchema(),
    plugins: [useAuth(options.auth)],
    logging: "warn",
    // CORS for browser pages on other origins (the browser demo in `../browser`): no cookies;
    // the `Authorization` and `DPoP` request headers; the challenge headers readable.
    cors: {
      origin: "*",
      credentials: false,
      methods: ["GET", "POST", "OPTIONS"],
      allowedHeaders: ["authorization", "dpop", "content-type"],
      exposedHeaders: ["WWW-Authenticate", "DPoP-Nonce"],
      maxAge: 600,
    },
    // GraphiQL from the local package, not yoga's default CDN page (which stays on "Loading…"
    // offline). Loaded on the first GraphiQL request: the page inlines ~9 MB of script.
    renderGraphiQL: async (graphiqlOptions) =>
      (await import("@graphql-yoga/render-graphiql")).renderGraphiQL(graphiqlOptions),
    graphiql: {
      title: "scopegate GraphQL example",
      headers: JSON.stringify(
        { Authorization: `Bearer ${options.token ?? "<paste an access token>"}` },
        null,
        2,
      ),
      defaultQuery:
        "{\n  hello\n  me { sub scopes permissions }\n  messages { id text author }\n}\n",
    },
  });
  const server = createServer(yoga);
  // Listen first: a WebSocketServer attached before re-emits a listen error (a busy port) as
  // an unhandled 'error' event, a raw stack instead of this promise's rejection.
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });

  // graphql-ws: each subscribe goes through yoga's envelop (and so through useAuth).
  const wss = new WebSocketServer({ server, path: yoga.graphqlEndpoint });
  const engines = new WeakMap<object, ReturnType<typeof yoga.getEnveloped>>();
  const engineOf = (args: ExecutionArgs) => {
    const engine = engines.get(args.contextValue as object);
    if (!engine) throw new Error("no envelop for this operation");
    return engine;
  };
  const ws = useServer(
    {
      execute: (args: ExecutionArgs) => engineOf(args).execute(args),
      subscribe: (args: ExecutionArgs) => engineOf(args).subscribe(args),
      onSubscribe: async (ctx, _id, params) => {
        const engine = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params,
        });
        const document = engine.parse(params.query);
        const errors = engine.validate(engine.schema, document);
        if (errors.length > 0) return errors;
        const contextValue = await engine.contextFactory();
        engines.set(contextValue, engine);
        return {
          schema: engine.schema,
          document,
          contextValue,
          variableValues: params.variables,
          operationName: params.operationName,
        };
      },
    },
    wss,
  );

  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${yoga.graphqlEndpoint}`,
    async close() {
      await ws.dispose();
      wss.close();
      server.close();
      server.closeAllConnections();
      await once(server, "close").catch(() => {});
    },
  };
}

const shell = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

/** `curl` lines for the README and the console. */
export function curlLines(url: string, tokens: { basic?: string; reader?: string }): string[] {
  const call = (label: string, query: string, token?: string, extra = "") =>
    [
      `# ${label}`,
      `curl -i ${url} -H 'content-type: application/json'${token ? ` -H ${shell(`authorization: Bearer ${token}`)}` : ""}${extra} \\`,
      `  -d ${shell(JSON.stringify({ query }))}`,
    ].join("\n");
  const basic = tokens.basic ?? "$BASIC_TOKEN";
  const reader = tokens.reader ?? "$READER_TOKEN";
  return [
    call("public field, no token → 200", "{ hello }"),
    call("no token → 401 (WWW-Authenticate: Bearer …)", "{ me { sub } }"),
    call("token → 200", "{ me { sub scopes } messages { text } }", reader),
    call(
      'token without read:messages → 403 (scope="read:messages")',
      "{ me { sub } messages { text } }",
      basic,
    ),
    call(
      "subscription over SSE; ends with UNAUTHENTICATED when the token expires",
      "subscription { messageAdded { text author } }",
      reader,
      " -N -H 'accept: text/event-stream'",
    ),
  ];
}

async function main() {
  const port = portFromEnv("PORT", 4000);
  const example = await setupExampleAuth();
  const reader = example.mint ? await example.mint(exampleTokenClaims.reader) : undefined;
  const basic = example.mint ? await example.mint(exampleTokenClaims.basic) : undefined;
  let app: GraphqlExample;
  try {
    app = await startGraphqlExample({ auth: example.auth, port, token: reader });
  } catch (error) {
    await example.close();
    const fix = `PORT=${port + 100} npx tsx examples/graphql/server.ts`;
    const message = portInUseMessage(error, port, "the GraphQL example", fix);
    if (!message) throw error;
    console.error(message);
    process.exit(1);
  }
  console.log(`GraphQL API and GraphiQL: ${app.url}`);
  console.log(
    example.issuer
      ? `Tokens from the embedded issuer ${example.issuer.url} (set AUTH0_DOMAIN and AUTH0_AUDIENCE to use Auth0).`
      : "Using your Auth0 tenant: set BASIC_TOKEN and READER_TOKEN to access tokens of your API.",
  );
  console.log(`\n${curlLines(app.url, { basic, reader }).join("\n\n")}\n`);
  const stop = async () => {
    await app.close();
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
