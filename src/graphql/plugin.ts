import type { DocumentNode, ExecutionResult, GraphQLError, GraphQLSchema } from "graphql";
import { getOperationAST } from "graphql";
import { type Auth, type AuthContextInput, type AuthState, ConfigurationError } from "scopegate";
import { expiredError } from "./check.js";
import { isAuthError, toGraphQLError } from "./errors.js";
import { type AuthMode, checkOperation, type OperationDenial } from "./operation.js";
import { authStateOf, markExpiryJudged } from "./state.js";
import { endAtExpiry } from "./subscription.js";
import { authDirective } from "./transform.js";

export type { AuthMode } from "./operation.js";

/**
 * Options of {@link useAuth}.
 *
 * @example
 * ```ts
 * useAuth(auth, { mode: "filter" });
 * ```
 */
export interface UseAuthOptions {
  /** @default "reject" */
  mode?: AuthMode;
}

/**
 * The GraphQL context scopegate needs, and what `useAuth` adds to yours: type your
 * resolvers' context with it (and yoga's `createSchema<AuthPluginContext<Claims>>`).
 *
 * @example
 * ```ts
 * const resolvers = {
 *   Query: { me: (_: unknown, __: unknown, ctx: AuthPluginContext<AccessTokenClaims>) => ctx.auth.require() },
 * };
 * ```
 */
export interface AuthPluginContext<Claims = unknown> {
  /** The per-request auth state (one verification per HTTP request, also in a batch). */
  auth: AuthState<Claims>;
}

/** The execution arguments an envelop hook receives (graphql-js `ExecutionArgs`, structurally). */
export interface EnvelopExecutionArgs {
  schema: GraphQLSchema;
  document: DocumentNode;
  contextValue?: unknown;
  variableValues?: Readonly<Record<string, unknown>> | null | undefined;
  operationName?: string | null | undefined;
}

/** The `onExecute` / `onSubscribe` payload of envelop, the part `useAuth` reads. */
export interface EnvelopOperationPayload {
  args: EnvelopExecutionArgs;
  setResultAndStopExecution(result: ExecutionResult): void;
}

/** A hook that may replace a result. */
interface ResultPayload<T> {
  result: T;
  setResult(result: T): void;
}

/**
 * The plugin object `useAuth` returns: an envelop plugin (graphql-yoga, envelop), typed
 * structurally so that `scopegate/graphql` needs neither `graphql-yoga` nor `@envelop/*`
 * to compile. `serverWillStart` is there to refuse Apollo Server (see {@link useAuth}).
 */
export interface AuthEnvelopPlugin {
  onSchemaChange(payload: { schema: GraphQLSchema }): void;
  onContextBuilding(payload: {
    context: object;
    /** Typed loosely on purpose: the plugin adds `auth` without narrowing your context type. */
    extendContext(extension: object): void;
  }): void;
  onExecute(payload: EnvelopOperationPayload): Promise<
    | undefined
    | {
        onExecuteDone(
          payload: ResultPayload<ExecutionResult | AsyncIterable<ExecutionResult>>,
        ): void;
      }
  >;
  onSubscribe(payload: EnvelopOperationPayload): Promise<
    | undefined
    | {
        onSubscribeResult(
          payload: ResultPayload<ExecutionResult | AsyncIterable<ExecutionResult>>,
        ): {
          onNext(payload: ResultPayload<ExecutionResult>): void;
        };
      }
  >;
  /**
   * Apollo Server calls this on every plugin at start-up; `useAuth` is not an Apollo
   * plugin, so it throws there (and the parameter type makes `plugins: [useAuth(auth)]`
   * a type error in an Apollo Server project).
   */
  serverWillStart(
    useScopegateApollo: "useAuth is not an Apollo Server plugin: use apolloAuthPlugin from scopegate/apollo",
  ): never;
  /** As `serverWillStart`, for hosts that call plugins per request only. */
  requestDidStart(
    useScopegateApollo: "useAuth is not an Apollo Server plugin: use apolloAuthPlugin from scopegate/apollo",
  ): never;
}

type Context = Record<string, unknown>;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;

const APOLLO =
  "useAuth is an envelop / graphql-yoga plugin and Apollo Server ignores its hooks (every @auth field would be open): use apolloAuthPlugin(auth) from scopegate/apollo";

/**
 * A graphql-ws (or other WebSocket) context, as yoga's graphql-ws recipe builds it: there
 * is no HTTP response, so errors must not carry `extensions.http`.
 */
const isSocketContext = (context: Context): boolean =>
  !isObject(context.request) &&
  ("connectionParams" in context ||
    "socket" in context ||
    (isObject(context.extra) && "socket" in context.extra));

/**
 * The graphql-yoga / envelop plugin: checks every operation against the schema's `@auth`
 * requirements before any resolver runs, with {@link checkOperation}.
 *
 * - Puts `auth` (an `AuthState`) on the context, built once per HTTP request (keyed by the
 *   request), so a batch of operations and any number of protected fields verify the token
 *   once. It replaces an `auth` made by `context: auth.createAuthContext`, which is then not
 *   needed. graphql-ws contexts (`req`, `connectionParams`) are read too; there each
 *   operation is verified on its own (a connection may outlive its token).
 * - An operation that selects only public fields never verifies the token.
 * - Applies {@link authDirective} to the schema when that has not been done.
 * - Errors: `extensions: { code, error, error_description }`; over HTTP in reject mode also
 *   `extensions.http` (yoga reads it for the status and `WWW-Authenticate` — for a 403 its
 *   `scope=` names what the first denied field needs — or `Retry-After`, and strips it).
 *   Over a WebSocket no `extensions.http` is added. An `AuthError` thrown by a resolver
 *   (e.g. from `ctx.auth.requireScopes()`) becomes such an error too instead of a masked one.
 * - Subscriptions are checked at subscribe; a protected subscription ends with one
 *   `UNAUTHENTICATED` error, then completes, when the token's `exp` passes.
 * - Given to Apollo Server (which ignores envelop hooks), it throws at start-up naming
 *   `scopegate/apollo`; in TypeScript it is a type error there already.
 *
 * Not done here: the status of a batched request (yoga answers 200 with one result per
 * operation), and revocation of a token before its `exp`.
 *
 * @example
 * ```ts
 * import { createYoga } from "graphql-yoga";
 * import { useAuth } from "scopegate/graphql";
 *
 * const yoga = createYoga({ schema, plugins: [useAuth(auth)] });
 * // resolvers: `ctx.auth.claims()`, `ctx.auth.hasScopes("write:messages")`, …
 * ```
 */
export function useAuth<Claims>(
  auth: Auth<Claims>,
  options: UseAuthOptions = {},
): AuthEnvelopPlugin {
  if (!isObject(auth) || typeof auth.createAuthContext !== "function") {
    throw new ConfigurationError("auth", "pass the object returned by createAuth()");
  }
  const mode = options.mode ?? "reject";
  if (mode !== "reject" && mode !== "filter") {
    throw new ConfigurationError("mode", 'must be "reject" or "filter"');
  }
  const states = new WeakMap<object, AuthState<Claims>>();

  // One state per HTTP request (yoga's `request`, shared by the operations of a batch). A
  // WebSocket operation (graphql-ws: `req` is the upgrade request, `connectionParams`) gets
  // its own state, so a long-lived connection re-verifies per operation and an expired
  // token is not trusted from an earlier check.
  const stateFor = (context: Context): AuthState<Claims> => {
    const key = isObject(context.request) ? context.request : context;
    let state = states.get(key);
    if (state) return state;
    const request = context.request ?? context.req;
    if (isObject(request)) {
      const connectionParams = isObject(context.connectionParams)
        ? context.connectionParams
        : undefined;
      const input = { req: request, info: { connectionParams } } as AuthContextInput;
      state = auth.createAuthContext(input).auth;
    } else {
      state =
        (authStateOf(context) as AuthState<Claims> | undefined) ??
        auth.createAuthContext({ headers: {} }).auth;
    }
    states.set(key, state);
    return state;
  };

  /** `checkOperation` with the context's auth; a denial as the result to answer with. */
  const gate = async (args: EnvelopExecutionArgs): Promise<ExecutionResult | undefined> => {
    const context = (isObject(args.contextValue) ? args.contextValue : {}) as Context;
    if (!authStateOf(context)) context.auth = stateFor(context);
    const denial = await checkOperation({
      schema: args.schema,
      document: args.document,
      operationName: args.operationName,
      variables: args.variableValues,
      context,
      mode,
    });
    if (!denial) return undefined;
    return { errors: isSocketContext(context) ? denial.errors : withHttp(denial) };
  };

  const refuse = (): never => {
    throw new ConfigurationError("plugins", APOLLO);
  };

  return {
    onSchemaChange({ schema }) {
      authDirective(schema, { policies: auth.policyNames });
    },
    onContextBuilding({ context, extendContext }) {
      extendContext({ auth: stateFor(context as Context) });
    },
    async onExecute({ args, setResultAndStopExecution }) {
      const stop = await gate(args);
      if (stop) {
        setResultAndStopExecution(stop);
        return;
      }
      return {
        onExecuteDone({ result: done, setResult }) {
          if (isObject(done) && !(Symbol.asyncIterator in done)) {
            const mapped = mapAuthErrors(done as ExecutionResult);
            if (mapped) setResult(mapped);
          }
        },
      };
    },
    async onSubscribe({ args, setResultAndStopExecution }) {
      const stop = await gate(args);
      if (stop) {
        setResultAndStopExecution(stop);
        return;
      }
      // Verified by the check (protected fields only): the stream ends at the token's exp.
      const state = authStateOf(args.contextValue);
      const exp = state?.expiresAt();
      if (state && exp !== undefined && isObject(args.contextValue)) {
        // The transform's own expiry wrapper and the resolvers' per-event checks stand down.
        const operation = getOperationAST(args.document, args.operationName);
        if (operation) markExpiryJudged(args.contextValue, operation);
      }
      return {
        onSubscribeResult({ result: stream, setResult }) {
          if (state && exp !== undefined && isObject(stream) && Symbol.asyncIterator in stream) {
            const last = () => ({ errors: [toGraphQLError(expiredError(state))] });
            // A result produced at or after `exp` (before the timer fired) is not delivered.
            const late = { dropLate: true };
            setResult(endAtExpiry(stream as AsyncIterable<ExecutionResult>, exp, last, late));
          }
          return {
            onNext({ result: event, setResult: replace }) {
              const mapped = mapAuthErrors(event);
              if (mapped) replace(mapped);
            },
          };
        },
      };
    },
    serverWillStart: refuse,
    requestDidStart: refuse,
  };
}

/** The denial's errors with `extensions.http`, which graphql-yoga turns into the status. */
function withHttp(denial: OperationDenial): GraphQLError[] {
  const http = { status: denial.status, headers: { ...denial.headers } };
  for (const e of denial.errors) (e.extensions as Record<string, unknown>).http = http;
  return denial.errors;
}

/** Replaces errors caused by an `AuthError` thrown in a resolver; `undefined` if none. */
function mapAuthErrors(result: ExecutionResult): ExecutionResult | undefined {
  const errors = result.errors;
  if (!errors?.some((e) => isAuthError(e.originalError))) return undefined;
  return {
    ...result,
    errors: errors.map((e) =>
      isAuthError(e.originalError)
        ? toGraphQLError(e.originalError, { nodes: e.nodes, path: e.path })
        : e,
    ),
  };
}
