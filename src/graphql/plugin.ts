import type { DocumentNode, ExecutionResult, GraphQLError, GraphQLSchema } from "graphql";
import type { Plugin } from "graphql-yoga";
import {
  type Auth,
  type AuthContextInput,
  type AuthError,
  type AuthState,
  ConfigurationError,
} from "scopegate";
import { analyzeOperation, findOperation, type ProtectedSelection } from "./analysis.js";
import { evaluate, expiredError, expiresAt } from "./check.js";
import { isAuthError, toGraphQLError } from "./errors.js";
import { authStateOf, indexes, plans } from "./state.js";
import { endAtExpiry } from "./subscription.js";
import { authDirective } from "./transform.js";

/**
 * What `useAuth` does with a denied field.
 *
 * - `"reject"` (default): nothing executes; the response has no `data`, one error per
 *   denied path, and the HTTP status of the failure (401 / 403 / 400 / 503).
 * - `"filter"`: denied fields resolve to `null` with an error each (null propagates by
 *   GraphQL's rules), the rest executes, status 200. A malformed `Authorization` header
 *   (400) and a key outage (503) still reject the whole operation.
 *
 * @example
 * ```ts
 * const mode: AuthMode = "filter";
 * createYoga({ schema, plugins: [useAuth(auth, { mode })] });
 * ```
 */
export type AuthMode = "reject" | "filter";

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
 * What the plugin adds to the GraphQL context.
 *
 * @example
 * ```ts
 * const resolvers = {
 *   Query: { me: (_: unknown, __: unknown, ctx: AuthPluginContext<AccessTokenClaims>) => ctx.auth.require() },
 * };
 * ```
 */
export interface AuthPluginContext<Claims> {
  /** The per-request auth state (one verification per HTTP request, also in a batch). */
  auth: AuthState<Claims>;
}

type Context = Record<string, unknown>;
/** The execution arguments as graphql-js types them (envelop types them loosely). */
interface GateArgs {
  schema: GraphQLSchema;
  document: DocumentNode;
  contextValue: Context;
  variableValues?: Readonly<Record<string, unknown>> | null;
  operationName?: string | null;
}
type Gate =
  | { stop: ExecutionResult }
  | { stop?: undefined; state: AuthState<unknown> | undefined; verified: boolean };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;

/**
 * The graphql-yoga plugin: checks every operation against the schema's `@auth`
 * requirements before any resolver runs.
 *
 * - Puts `auth` (an `AuthState`) on the context, built once per HTTP request (keyed by the
 *   request), so a batch of operations and any number of protected fields verify the token
 *   once. It replaces an `auth` made by `context: auth.createAuthContext`, which is then not
 *   needed. graphql-ws contexts (`req`, `connectionParams`) are read too; there each
 *   operation is verified on its own (a connection may outlive its token).
 * - An operation that selects only public fields never verifies the token.
 * - Applies {@link authDirective} to the schema when that has not been done.
 * - Errors: `extensions: { code, error, error_description }`; in reject mode also the HTTP
 *   status and `WWW-Authenticate` (for a 403 its `scope=` names what the first denied field
 *   needs) or `Retry-After`. An `AuthError` thrown by a resolver (e.g. from
 *   `ctx.auth.requireScopes()`) becomes such an error too instead of a masked one.
 * - Subscriptions are checked at subscribe; a protected subscription ends with an
 *   `UNAUTHENTICATED` error when the token's `exp` passes.
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
): Plugin<AuthPluginContext<Claims>> {
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

  const gate = async (args: GateArgs): Promise<Gate> => {
    const { schema, document, contextValue: context } = args;
    authDirective(schema);
    const index = indexes.get(schema);
    const operation = findOperation(document, args.operationName);
    if (!index || !operation) return { state: undefined, verified: false };
    const selections = analyzeOperation(schema, index, document, operation, args.variableValues);
    if (selections.length === 0) return { state: undefined, verified: false }; // public: no verification
    let state = authStateOf(context);
    if (!state) {
      state = stateFor(context);
      context.auth = state;
    }
    const denied: { selection: ProtectedSelection; error: AuthError }[] = [];
    for (const selection of selections) {
      // Document order puts ancestors first; below a denied field nothing runs.
      if (denied.some((d) => selection.key.startsWith(`${d.selection.key}.`))) continue;
      const error = await evaluate(state, selection.requirement);
      if (!error) continue;
      // 400 / 503 / 500 and a DPoP nonce challenge concern the request, not a field.
      if ((error.status !== 401 && error.status !== 403) || error.code === "use_dpop_nonce") {
        return { stop: { errors: [toGraphQLError(error, { http: true })] } };
      }
      denied.push({ selection, error });
    }
    if (denied.length === 0) return { state, verified: true };
    if (mode === "reject") {
      const first = denied[0]?.error as AuthError;
      const http = { status: first.status, headers: { ...first.headers } };
      const errors: GraphQLError[] = denied.map(({ selection, error }) => {
        const e = toGraphQLError(error, { nodes: selection.node, path: selection.path });
        (e.extensions as Record<string, unknown>).http = http;
        return e;
      });
      return { stop: { errors } };
    }
    plans.set(context, {
      operation,
      denied: new Map(denied.map(({ selection, error }) => [selection.key, error])),
    });
    return { state, verified: true };
  };

  return {
    onSchemaChange({ schema }) {
      authDirective(schema);
    },
    onContextBuilding({ context, extendContext }) {
      extendContext({ auth: stateFor(context as unknown as Context) });
    },
    async onExecute({ args, setResultAndStopExecution }) {
      const result = await gate(args as unknown as GateArgs);
      if (result.stop) {
        setResultAndStopExecution(result.stop);
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
      const result = await gate(args as unknown as GateArgs);
      if (result.stop) {
        setResultAndStopExecution(result.stop);
        return;
      }
      const state = result.state;
      const exp = state && result.verified ? await expiresAt(state) : undefined;
      return {
        onSubscribeResult({ result: stream, setResult }) {
          if (state && exp !== undefined && isObject(stream) && Symbol.asyncIterator in stream) {
            const last = () => ({ errors: [toGraphQLError(expiredError(state))] });
            setResult(endAtExpiry(stream as AsyncIterable<ExecutionResult>, exp, last));
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
  };
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
