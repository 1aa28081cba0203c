/**
 * Thin helpers for GraphQL servers other than graphql-yoga (graphql-http, Mercurius, a bare
 * envelop server, graphql-ws). Each one calls {@link checkOperation} between validation and
 * execution and turns its denial into what that server understands. They are typed
 * structurally: none of those servers is imported, so `scopegate/graphql` compiles without
 * them.
 */
import {
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type FormattedExecutionResult,
  GraphQLError,
  type GraphQLFormattedError,
  type GraphQLSchema,
  Kind,
  parse,
  validate,
} from "graphql";
import {
  type Auth,
  type AuthContextInput,
  type AuthState,
  ConfigurationError,
  InvalidTokenError,
} from "scopegate";
import { toGraphQLError } from "./errors.js";
import { type AuthMode, checkOperation, type OperationDenial } from "./operation.js";
import { authDirective } from "./transform.js";

type Context = Record<string, unknown>;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;
const isState = (v: unknown): v is AuthState<unknown> =>
  isObject(v) && typeof v.require === "function" && typeof v.expiresAt === "function";

function assertAuth(auth: unknown): void {
  if (!isObject(auth) || typeof auth.createAuthContext !== "function") {
    throw new ConfigurationError("auth", "pass the object returned by createAuth()");
  }
}

/** `operationName` and `variables` as GraphQL-over-HTTP and graphql-ws carry them. */
interface Params {
  readonly query?: string | null | undefined;
  readonly operationName?: string | null | undefined;
  readonly variables?: Readonly<Record<string, unknown>> | null | undefined;
}

type Parsed = { errors: readonly GraphQLError[] } | { errors?: undefined; document: DocumentNode };

/** Parses and validates a request's query; the errors of either step otherwise. */
function parseAndValidate(schema: GraphQLSchema, query: unknown): Parsed {
  if (typeof query !== "string") return { errors: [new GraphQLError("Missing query")] };
  let document: DocumentNode;
  try {
    document = parse(query);
  } catch (error) {
    return { errors: [error instanceof GraphQLError ? error : new GraphQLError("Syntax error")] };
  }
  const errors = validate(schema, document);
  return errors.length > 0 ? { errors } : { document };
}

// ---------------------------------------------------------------------------------------
// graphql-http
// ---------------------------------------------------------------------------------------

/**
 * The request graphql-http hands its callbacks (`Request<Raw, RequestContext>`), reduced to
 * what is read.
 *
 * @example
 * ```ts
 * const req: GraphqlHttpRequestLike = { method: "POST", url: "/graphql", headers: {}, raw: incoming };
 * ```
 */
export interface GraphqlHttpRequestLike {
  readonly method: string;
  readonly url: string;
  readonly headers:
    | { readonly [key: string]: string | string[] | undefined }
    | { get(key: string): string | null };
  /** The server's own request (`IncomingMessage` with `graphql-http/lib/use/http`). */
  readonly raw: unknown;
}

/**
 * A graphql-http response: `[body, { status, statusText, headers }]`.
 *
 * @example
 * ```ts
 * const denied: GraphqlHttpResponse = ['{"errors":[]}', { status: 401, statusText: "Unauthorized", headers: {} }];
 * ```
 */
export type GraphqlHttpResponse = readonly [
  body: string,
  init: { readonly status: number; readonly statusText: string; headers: Record<string, string> },
];

/**
 * Options of {@link graphqlHttpAuth}.
 *
 * @example
 * ```ts
 * graphqlHttpAuth(auth, { schema, mode: "filter", context: (req) => ({ db }) });
 * ```
 */
export interface GraphqlHttpAuthOptions<Req, Extra> {
  /** The executable schema; {@link authDirective} is applied to it here. */
  schema: GraphQLSchema;
  /** @default "reject" */
  mode?: AuthMode;
  /** More context for your resolvers, merged under `auth`. */
  context?: (req: Req) => Extra | Promise<Extra>;
}

/**
 * What {@link graphqlHttpAuth} returns: spread it into graphql-http's `createHandler`.
 *
 * @example
 * ```ts
 * const { schema, onSubscribe }: GraphqlHttpAuth<IncomingMessage, {}> = graphqlHttpAuth(auth, { schema });
 * ```
 */
export interface GraphqlHttpAuth<Req, Ctx> {
  /** The (transformed) schema. */
  schema: GraphQLSchema;
  /**
   * graphql-http's `onSubscribe`: parses, validates, builds `{ auth, ...extra }` and runs
   * {@link checkOperation}; a denial becomes the response, otherwise the execution
   * arguments are returned.
   */
  onSubscribe: (
    req: Req,
    params: Params,
  ) => Promise<
    readonly GraphQLError[] | GraphqlHttpResponse | (ExecutionArgs & { contextValue: Ctx })
  >;
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

function acceptsGraphqlResponse(headers: GraphqlHttpRequestLike["headers"]): boolean {
  const accept =
    typeof headers.get === "function"
      ? (headers as { get(key: string): string | null }).get("accept")
      : (headers as Record<string, string | string[] | undefined>).accept;
  return String(accept ?? "").includes("application/graphql-response+json");
}

/**
 * graphql-http (the reference GraphQL-over-HTTP server): checks every operation with
 * {@link checkOperation} in `onSubscribe`, before anything executes, and answers a denial
 * with its status (401 / 403 / 400 / 503), `WWW-Authenticate` and `{ errors }` (no `data`).
 * Resolvers get `ctx.auth` (an `AuthState`), built once per request from `req.raw` (Node's
 * `IncomingMessage`, a Fetch `Request`, …).
 *
 * Since it answers `onSubscribe`, it parses and validates the query itself with graphql-js's
 * `parse` / `validate` (graphql-http's `parse`, `validate` and `validationRules` options are
 * not used). Not done: a `DPoP-Nonce` rotated on a successful request is not sent.
 *
 * @example
 * ```ts
 * import { createServer } from "node:http";
 * import { createHandler } from "graphql-http/lib/use/http";
 * import { graphqlHttpAuth } from "scopegate/graphql";
 *
 * const handler = createHandler(graphqlHttpAuth(auth, { schema }));
 * createServer((req, res) => void handler(req, res)).listen(4000);
 * ```
 */
export function graphqlHttpAuth<
  Claims,
  Req extends GraphqlHttpRequestLike = GraphqlHttpRequestLike,
  Extra extends object = Record<never, never>,
>(
  auth: Auth<Claims>,
  options: GraphqlHttpAuthOptions<Req, Extra>,
): GraphqlHttpAuth<Req, Extra & { auth: AuthState<Claims> }> {
  assertAuth(auth);
  const schema = authDirective(options.schema);
  const mode = options.mode;
  return {
    schema,
    async onSubscribe(req, params) {
      const parsed = parseAndValidate(schema, params.query);
      if (parsed.errors) return parsed.errors;
      const input = (isObject(req.raw) && "headers" in req.raw ? req.raw : req) as AuthContextInput;
      const extra = options.context ? await options.context(req) : ({} as Extra);
      const contextValue = { ...extra, ...auth.createAuthContext(input) };
      const variables = params.variables ?? undefined;
      const { operationName } = params;
      const document = parsed.document;
      const denial = await checkOperation({
        schema,
        document,
        operationName,
        variables,
        context: contextValue,
        mode,
      });
      if (denial) {
        const type = acceptsGraphqlResponse(req.headers)
          ? "application/graphql-response+json; charset=utf-8"
          : "application/json; charset=utf-8";
        return [
          JSON.stringify({ errors: denial.errors }),
          {
            status: denial.status,
            statusText: STATUS_TEXT[denial.status] ?? "Error",
            headers: { ...denial.headers, "content-type": type },
          },
        ];
      }
      return { schema, document, operationName, variableValues: variables, contextValue };
    },
  };
}

// ---------------------------------------------------------------------------------------
// Mercurius
// ---------------------------------------------------------------------------------------

/**
 * Options of {@link mercuriusAuth}.
 *
 * @example
 * ```ts
 * app.graphql.addHook("preExecution", mercuriusAuth(auth, { mode: "filter" }));
 * ```
 */
export interface MercuriusAuthOptions {
  /** @default "reject" */
  mode?: AuthMode;
}

/**
 * The error thrown from the hook for a denial. Mercurius's default error handler answers it
 * with `statusCode` and its `errors` (`{ data: null, errors }`).
 */
class MercuriusDenial extends Error {
  readonly statusCode: number;
  readonly errors: GraphQLError[];
  constructor(denial: OperationDenial) {
    super(denial.errors[0]?.message ?? "denied");
    this.name = "MercuriusDenial";
    this.statusCode = denial.status;
    this.errors = denial.errors;
  }
}

/** The operation name the client asked for, from the request body or query string. */
function requestedName(reply: unknown): string | undefined {
  const request = isObject(reply) ? reply.request : undefined;
  if (!isObject(request)) return undefined;
  for (const source of [request.body, request.query]) {
    if (isObject(source) && !Array.isArray(source) && typeof source.operationName === "string") {
      return source.operationName;
    }
  }
  return undefined;
}

/**
 * The Fastify instance as {@link mercuriusAuth} uses it (after `register(mercurius)`).
 *
 * @example
 * ```ts
 * const app: MercuriusAppLike = fastify; // a FastifyInstance with mercurius registered
 * ```
 */
export interface MercuriusAppLike {
  /** Mercurius's `app.graphql`: its `addHook("preExecution", …)` is used. */
  readonly graphql: { addHook(name: "preExecution", hook: MercuriusPreExecution): void };
  /** Fastify's `addHook("onSend", …)`: the status of a denial is set there. */
  addHook(
    name: "onSend",
    hook: (request: object, reply: MercuriusReplyLike, payload: unknown) => Promise<unknown>,
  ): unknown;
}

/**
 * A Fastify reply, reduced to what is used.
 *
 * @example
 * ```ts
 * const sink: MercuriusReplyLike = reply; // a FastifyReply
 * ```
 */
export interface MercuriusReplyLike {
  readonly request: unknown;
  code(status: number): unknown;
  header(name: string, value: string): unknown;
}

/**
 * A Mercurius `preExecution` hook (what {@link mercuriusAuth} adds).
 *
 * @example
 * ```ts
 * const hook: MercuriusPreExecution = async (schema, document, context) => {};
 * ```
 */
export type MercuriusPreExecution = (
  schema: GraphQLSchema,
  document: DocumentNode,
  context: object,
  variables?: Readonly<Record<string, unknown>> | null,
) => Promise<void>;

/**
 * Mercurius (Fastify): a Fastify plugin (register it after Mercurius) that adds a
 * `preExecution` hook checking every operation with {@link checkOperation} before it
 * executes. A denial answers with its status (401 / 403 / 400 / 503),
 * `WWW-Authenticate` and Mercurius's `{ data: null, errors }` (one error per denied path);
 * the status is set in an `onSend` hook, since Mercurius's error handler sets a status only
 * for a single error. Puts `auth` (an `AuthState`) on the Mercurius context unless your
 * `context` function already did
 * (`context: (request, reply) => auth.createAuthContext({ req: request, res: reply })`).
 *
 * Mercurius does not hand the hook the operation name: it is read from the request body or
 * query string; when it cannot be read and the document holds several operations, every
 * one of them is checked (fail closed). Apply {@link authDirective} to the schema you give
 * Mercurius so that resolvers fail closed too. The plugin is not encapsulated (as with
 * `fastify-plugin`), so its hooks see Mercurius's route.
 *
 * Not done: Mercurius's own WebSocket subscriptions (`preSubscriptionExecution`); a custom
 * `errorFormatter` or `errorHandler` decides the response body itself.
 *
 * @example
 * ```ts
 * import Fastify from "fastify";
 * import mercurius from "mercurius";
 * import { authDirective, mercuriusAuth } from "scopegate/graphql";
 *
 * const app = Fastify();
 * await app.register(mercurius, { schema: authDirective(schema) });
 * await app.register(mercuriusAuth(auth)); // or mercuriusAuth(auth, { mode: "filter" })
 * ```
 */
export function mercuriusAuth<Claims>(
  auth: Auth<Claims>,
  options: MercuriusAuthOptions = {},
): (app: MercuriusAppLike) => Promise<void> {
  assertAuth(auth);
  const mode = options.mode;
  const denials = new WeakMap<object, OperationDenial>();

  const preExecution: MercuriusPreExecution = async (schema, document, context, variables) => {
    const ctx = context as Context;
    const reply = ctx.reply;
    if (!isState(ctx.auth)) {
      const req = isObject(reply) && isObject(reply.request) ? reply.request : { headers: {} };
      ctx.auth = auth.createAuthContext({ req, res: reply } as AuthContextInput).auth;
    }
    const named = requestedName(reply);
    const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
    const names =
      operations.length <= 1 || named !== undefined
        ? [named]
        : operations.map((o) => o.name?.value);
    for (const operationName of names) {
      const denial = await checkOperation({
        schema,
        document,
        operationName,
        variables,
        context,
        mode,
      });
      if (!denial) continue;
      if (isObject(reply)) {
        const r = reply as unknown as MercuriusReplyLike;
        for (const [name, value] of Object.entries(denial.headers)) r.header(name, value);
        if (isObject(r.request)) denials.set(r.request, denial);
      }
      throw new MercuriusDenial(denial);
    }
  };

  const plugin = async (app: MercuriusAppLike) => {
    const graphql: unknown = app.graphql; // a function with properties
    if (typeof (graphql as { addHook?: unknown } | undefined)?.addHook !== "function") {
      throw new ConfigurationError("mercuriusAuth", "register it after mercurius");
    }
    app.graphql.addHook("preExecution", preExecution);
    app.addHook("onSend", async (request, reply, payload) => {
      const denial = denials.get(request);
      if (denial) reply.code(denial.status);
      return payload;
    });
  };
  // Not encapsulated (what fastify-plugin does): the hooks reach Mercurius's route.
  return Object.assign(plugin, { [Symbol.for("skip-override")]: true });
}

// ---------------------------------------------------------------------------------------
// A bare server (envelop, graphql-js) answering an ExecutionResult
// ---------------------------------------------------------------------------------------

/**
 * An HTTP answer for a GraphQL result: status, headers and the JSON body.
 *
 * @example
 * ```ts
 * const { status, headers, body }: HttpResult = httpResult(result);
 * res.writeHead(status, headers).end(JSON.stringify(body));
 * ```
 */
export interface HttpResult {
  /** 200, or the status of a scopegate error when the result has no `data`. */
  status: number;
  /** `content-type` plus `WWW-Authenticate` / `Retry-After` of that error. */
  headers: Record<string, string>;
  /** The result with `extensions.http` removed from every error. */
  body: ExecutionResult;
}

/**
 * Turns the result of an operation run with `useAuth` outside graphql-yoga (a bare envelop
 * server, your own `execute` loop) into an HTTP answer: `useAuth` puts the status and
 * `WWW-Authenticate` of a denial on the errors' `extensions.http` (graphql-yoga's
 * convention); this reads them (only when the result has no `data`: GraphQL-over-HTTP
 * answers 2xx with data) and removes them from the body.
 *
 * @example
 * ```ts
 * const { parse, validate, contextFactory, execute, schema } = getEnveloped({ req });
 * const result = await execute({ schema, document, contextValue: await contextFactory() });
 * const { status, headers, body } = httpResult(result);
 * res.writeHead(status, headers).end(JSON.stringify(body));
 * ```
 */
export function httpResult(result: ExecutionResult): HttpResult {
  const headers: Record<string, string> = {
    "content-type": "application/graphql-response+json; charset=utf-8",
  };
  let status = 200;
  const noData = result.data === undefined || result.data === null;
  const errors = result.errors?.map((error) => {
    const { http, ...rest } = (error.extensions ?? {}) as Record<string, unknown>;
    if (http === undefined) return error;
    if (noData && status === 200 && isObject(http) && typeof http.status === "number") {
      status = http.status;
      if (isObject(http.headers)) {
        for (const [k, v] of Object.entries(http.headers)) headers[k] = String(v);
      }
    }
    return new GraphQLError(error.message, {
      nodes: error.nodes,
      source: error.source,
      positions: error.positions,
      path: error.path,
      originalError: error.originalError,
      extensions: rest,
    });
  });
  return { status, headers, body: errors ? { ...result, errors } : result };
}

// ---------------------------------------------------------------------------------------
// graphql-ws
// ---------------------------------------------------------------------------------------

/**
 * graphql-ws's `Context` (the connection), reduced to what is read.
 *
 * @example
 * ```ts
 * const context = (ctx: GraphqlWsContextLike) => ({ tenant: ctx.connectionParams?.tenant });
 * ```
 */
export interface GraphqlWsContextLike {
  /** `connection_init` payload: the token as `authorization: "Bearer …"` or `token`. */
  readonly connectionParams?: Readonly<Record<string, unknown>> | undefined;
  /** `{ socket, request }` with `graphql-ws/use/ws`: the upgrade request is read. */
  readonly extra: unknown;
}

/**
 * Options of {@link graphqlWsAuth}.
 *
 * @example
 * ```ts
 * useServer(graphqlWsAuth(auth, { schema, context: () => ({ pubsub }) }), wss);
 * ```
 */
export interface GraphqlWsAuthOptions<Extra> {
  /** The executable schema; {@link authDirective} is applied to it here. */
  schema: GraphQLSchema;
  /** @default "reject" */
  mode?: AuthMode;
  /** More context for your resolvers (per operation), merged under `auth`. */
  context?: (ctx: GraphqlWsContextLike) => Extra | Promise<Extra>;
}

/**
 * What {@link graphqlWsAuth} returns: graphql-ws server options (`useServer(…, wss)`).
 *
 * @example
 * ```ts
 * const options: GraphqlWsAuth<GraphqlWsContextLike> = graphqlWsAuth(auth, { schema });
 * ```
 */
export interface GraphqlWsAuth<Ctx extends GraphqlWsContextLike> {
  /** The (transformed) schema. */
  schema: GraphQLSchema;
  /** Parses, validates, builds the context and runs {@link checkOperation}; a denial is an `error` message. */
  onSubscribe: (
    ctx: Ctx,
    id: string,
    payload: Params,
  ) => Promise<readonly GraphQLError[] | ExecutionArgs>;
  /** Ends a protected subscription at the token's `exp`: one last error, then `complete`. */
  onOperation: (
    ctx: Ctx,
    id: string,
    payload: Params,
    args: ExecutionArgs,
    result: unknown,
  ) => AsyncIterableIterator<ExecutionResult> | undefined;
  /** Removes `extensions.http` from every error sent (HTTP data has no place in a WebSocket). */
  onNext: (
    ctx: Ctx,
    id: string,
    payload: Params,
    args: ExecutionArgs,
    result: ExecutionResult,
  ) => FormattedExecutionResult | undefined;
}

/** Longest delay `setTimeout` accepts (about 24.8 days); longer waits re-arm. */
const MAX_DELAY = 2_147_483_647;

/** The stream, ended at `expiresAt` with `last()` as its final event (and the source closed). */
function untilExpiry<T>(
  source: AsyncIterable<T>,
  expiresAt: number,
  last: () => T,
): AsyncIterableIterator<T> {
  const it = source[Symbol.asyncIterator]();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let open = true;
  const expired = new Promise<"expired">((resolve) => {
    const arm = () => {
      const left = expiresAt - Date.now();
      if (left <= 0) resolve("expired");
      else timer = setTimeout(arm, Math.min(left, MAX_DELAY));
    };
    arm();
  });
  const close = async () => {
    open = false;
    clearTimeout(timer);
    try {
      await it.return?.();
    } catch {
      // the source's own cleanup failed; the stream is over either way
    }
  };
  return {
    async next() {
      if (!open) return { done: true, value: undefined };
      const step = await Promise.race([it.next(), expired]);
      if (!open) return { done: true, value: undefined };
      // An event produced at or after `exp` (before the timer fired) is not delivered: its
      // resolvers may already have refused it.
      if (step === "expired" || Date.now() >= expiresAt) {
        void close();
        return { done: false, value: last() };
      }
      if (step.done) {
        open = false;
        clearTimeout(timer);
      }
      return step;
    },
    async return() {
      if (open) await close();
      return { done: true, value: undefined };
    },
    async throw(error?: unknown) {
      if (open) await close();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

function withoutHttp(error: GraphQLError): GraphQLFormattedError {
  const formatted = error.toJSON();
  if (!formatted.extensions || !("http" in formatted.extensions)) return formatted;
  const { http: _, ...extensions } = formatted.extensions;
  return { ...formatted, extensions };
}

/**
 * graphql-ws (WebSocket subscriptions, queries and mutations): server options that check
 * every operation with {@link checkOperation} before it runs. The token is read per
 * operation from `connectionParams` (`authorization: "Bearer …"` or `token`), or from the
 * upgrade request's `Authorization` header. A denied operation gets graphql-ws's `error`
 * message (no source is started); a protected subscription ends when the token's `exp`
 * passes, with one `next` carrying an `UNAUTHENTICATED` error, then `complete`. No payload
 * carries `extensions.http`.
 *
 * Since it answers `onSubscribe`, it parses and validates the query itself (graphql-ws's
 * `validate` / `parse` options are not used). A connection is not refused as a whole: its
 * public operations run without a token. To refuse tokenless connections too, add
 * `onConnect: (ctx) => Boolean(ctx.connectionParams?.authorization)`.
 *
 * @example
 * ```ts
 * import { useServer } from "graphql-ws/use/ws";
 * import { WebSocketServer } from "ws";
 * import { graphqlWsAuth } from "scopegate/graphql";
 *
 * useServer(graphqlWsAuth(auth, { schema }), new WebSocketServer({ server, path: "/graphql" }));
 * ```
 */
export function graphqlWsAuth<
  Claims,
  Ctx extends GraphqlWsContextLike = GraphqlWsContextLike,
  Extra extends object = Record<never, never>,
>(auth: Auth<Claims>, options: GraphqlWsAuthOptions<Extra>): GraphqlWsAuth<Ctx> {
  assertAuth(auth);
  const schema = authDirective(options.schema);
  const mode = options.mode;
  return {
    schema,
    async onSubscribe(ctx, _id, payload) {
      const parsed = parseAndValidate(schema, payload.query);
      if (parsed.errors) return parsed.errors;
      const extra = isObject(ctx.extra) ? ctx.extra : {};
      const req = isObject(extra.request) ? extra.request : { headers: {} };
      const connectionParams = isObject(ctx.connectionParams) ? ctx.connectionParams : undefined;
      const input = { req, info: { connectionParams } } as AuthContextInput;
      const more = options.context ? await options.context(ctx) : ({} as Extra);
      const contextValue = { ...more, ...auth.createAuthContext(input) };
      const variables = payload.variables ?? undefined;
      const { operationName } = payload;
      const document = parsed.document;
      const denial = await checkOperation({
        schema,
        document,
        operationName,
        variables,
        context: contextValue,
        mode,
      });
      if (denial) return denial.errors;
      return { schema, document, operationName, variableValues: variables, contextValue };
    },
    onOperation(_ctx, _id, _payload, args, result) {
      const state = isObject(args.contextValue) ? args.contextValue.auth : undefined;
      if (!isState(state) || !isObject(result) || !(Symbol.asyncIterator in result)) return;
      const exp = state.expiresAt(); // set only when checkOperation verified the token
      if (exp === undefined) return;
      const expired = new InvalidTokenError("access token expired", { reason: "token_expired" });
      const last = (): ExecutionResult => ({ errors: [toGraphQLError(expired)] });
      return untilExpiry(result as AsyncIterable<ExecutionResult>, exp, last);
    },
    onNext(_ctx, _id, _payload, _args, result) {
      if (!result.errors?.some((e) => isObject(e.extensions) && "http" in e.extensions)) return;
      return { ...result, errors: result.errors.map(withoutHttp) };
    },
  };
}
