/**
 * graphql-ws (WebSocket subscriptions, queries and mutations): {@link graphqlWsAuth} builds
 * server options checking every operation with {@link checkOperation} before it runs and
 * ending protected subscriptions at the token's `exp`, and the structural types it is
 * described with (graphql-ws is not imported).
 */
import type {
  ExecutionArgs,
  ExecutionResult,
  FormattedExecutionResult,
  GraphQLError,
  GraphQLFormattedError,
  GraphQLSchema,
} from "graphql";
import { type Auth, type AuthContextInput, InvalidTokenError } from "scopegate";
import { toGraphQLError } from "../errors.js";
import type { AuthMode } from "../operation.js";
import { endAtExpiry } from "../subscription.js";
import { authDirective } from "../transform.js";
import {
  assertAuth,
  checkParsed,
  isObject,
  isState,
  type Params,
  parseAndValidate,
} from "./shared.js";

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
  const schema = authDirective(options.schema, { policies: auth.policyNames });
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
      const { document } = parsed;
      const checked = await checkParsed({
        auth,
        schema,
        mode,
        document,
        params: payload,
        input,
        extra: more,
      });
      if (checked.denial) return checked.denial.errors;
      return checked.execution;
    },
    onOperation(_ctx, _id, _payload, args, result) {
      const state = isObject(args.contextValue) ? args.contextValue.auth : undefined;
      if (!isState(state) || !isObject(result) || !(Symbol.asyncIterator in result)) return;
      const exp = state.expiresAt(); // set only when checkOperation verified the token
      if (exp === undefined) return;
      const expired = new InvalidTokenError("access token expired", { reason: "token_expired" });
      const last = (): ExecutionResult => ({ errors: [toGraphQLError(expired)] });
      // An event produced at or after `exp` (before the timer fired) is not delivered: its
      // resolvers may already have refused it.
      return endAtExpiry(result as AsyncIterable<ExecutionResult>, exp, last, { dropLate: true });
    },
    onNext(_ctx, _id, _payload, _args, result) {
      if (!result.errors?.some((e) => isObject(e.extensions) && "http" in e.extensions)) return;
      return { ...result, errors: result.errors.map(withoutHttp) };
    },
  };
}
