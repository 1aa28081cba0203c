/**
 * Mercurius (Fastify): {@link mercuriusAuth} is a Fastify plugin adding a `preExecution`
 * hook that checks every operation with {@link checkOperation}, and the structural types it
 * is described with (neither Fastify nor Mercurius is imported).
 */
import { type DocumentNode, type GraphQLError, type GraphQLSchema, Kind } from "graphql";
import { type Auth, type AuthContextInput, ConfigurationError } from "scopegate";
import { type AuthMode, checkOperation, type OperationDenial } from "../operation.js";
import { assertAuth, type Context, isObject, isState } from "./shared.js";

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
