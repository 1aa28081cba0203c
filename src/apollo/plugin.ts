import type {
  ApolloServerPlugin,
  BaseContext,
  GraphQLRequestContext,
  GraphQLRequestListener,
} from "@apollo/server";
import { unwrapResolverError } from "@apollo/server/errors";
import type { GraphQLError, GraphQLFormattedError } from "graphql";
import {
  type Auth,
  type AuthContextInput,
  type AuthError,
  type AuthState,
  ConfigurationError,
  type HeadersLike,
  isAuthError,
} from "scopegate";
import {
  type AuthMode,
  authDirective,
  checkOperation,
  type OperationDenial,
  toGraphQLError,
} from "scopegate/graphql";

/**
 * Options of {@link apolloAuthPlugin}.
 *
 * @example
 * ```ts
 * apolloAuthPlugin(auth, { mode: "filter" });
 * ```
 */
export interface ApolloAuthPluginOptions {
  /**
   * `"reject"` (default): a denied operation executes nothing and answers 401 / 403 (400,
   * 503) with `{ errors }` and no `data`. `"filter"`: denied fields are `null` with an
   * error each, the rest executes, status 200 (a malformed `Authorization` header is still
   * a 400 and a key outage a 503).
   * @default "reject"
   */
  mode?: AuthMode;
}

type Head = GraphQLRequestContext<BaseContext>["response"]["http"];
type Http = NonNullable<GraphQLRequestContext<BaseContext>["request"]["http"]>;
type Formatted = GraphQLFormattedError;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;

const STATE_METHODS = ["require", "claims", "hasScopes", "hasPermissions"] as const;
/** `true` for an `AuthState` (what `auth.createAuthContext(...).auth` is). */
const isAuthState = (v: unknown): v is AuthState<unknown> =>
  isObject(v) && STATE_METHODS.every((m) => typeof v[m] === "function");

/** Writes a plain header record into Apollo's `HeaderMap` (it lower-cases the names). */
function setHeaders(head: Head, headers: Readonly<Record<string, string>>): void {
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (value !== undefined) head.headers.set(name, value);
  }
}

/** A formatted error without `extensions.http` (transport data never goes in the body). */
function withoutHttp(error: Formatted): Formatted {
  if (!isObject(error.extensions) || !("http" in error.extensions)) return error;
  const { http: _http, ...extensions } = error.extensions;
  return { ...error, extensions };
}

const format = (error: GraphQLError): Formatted => withoutHttp(error.toJSON());

/**
 * The Apollo Server plugin (Apollo Server 4 and 5): the `@auth` protection of
 * `scopegate/graphql` with Apollo's status codes and headers.
 *
 * - At `serverWillStart` it applies `authDirective` to the server's schema (a schema error
 *   such as `@auth(anyOf: [])` makes `server.start()` reject: the server does not start
 *   with requirements it cannot enforce). A schema loaded later (a gateway) is transformed
 *   too.
 * - Puts `auth` (an `AuthState`) on the context when your `context` function gave it none,
 *   built from Apollo's HTTP request (its `HeaderMap`); one per HTTP request, so a batch
 *   verifies the token once. A context with its own `auth` (from
 *   `auth.createAuthContext({ req, res })`) is used as it is: do that for DPoP, whose proof
 *   names the request URL, which Apollo does not hand to plugins.
 * - Every operation is checked with `checkOperation` once Apollo has resolved it, before
 *   any resolver runs. A denied operation answers with the failure's status (401 / 403 /
 *   400 / 503), the `WWW-Authenticate` challenge (for a 403 its `scope=` names what the first
 *   denied field needs) or `Retry-After`, and `{ errors }` with one error per denied path and
 *   no `data`. The check runs in `didResolveOperation`, so no plugin's
 *   `responseForOperation` (e.g. a response cache) can answer a denied operation.
 * - An `AuthError` thrown by a resolver (e.g. `await ctx.auth.requireScopes("admin")`) is
 *   answered with its own code (`UNAUTHENTICATED`, `FORBIDDEN`, …) instead of
 *   `INTERNAL_SERVER_ERROR`; in `reject` mode, when the result has no data left (`data` is
 *   `null`), also with its status and challenge.
 * - `extensions.http` never reaches a response body.
 *
 * Not done here: the errors of a denied operation do not go through your `formatError`
 * (their messages are client-safe descriptions); in a batched request the status of a
 * denied operation is the status of the whole HTTP response (Apollo shares one head per
 * batch). Apollo Server serves no subscriptions over HTTP; for graphql-ws see the README.
 *
 * @example
 * ```ts
 * import { ApolloServer } from "@apollo/server";
 * import { startStandaloneServer } from "@apollo/server/standalone";
 * import { apolloAuthPlugin } from "scopegate/apollo";
 * import { authDirectiveTypeDefs } from "scopegate/graphql";
 *
 * const server = new ApolloServer({
 *   typeDefs: [authDirectiveTypeDefs, typeDefs],
 *   resolvers,
 *   plugins: [apolloAuthPlugin(auth)],
 * });
 * await startStandaloneServer(server, { listen: { port: 4000 } });
 * ```
 */
export function apolloAuthPlugin<Claims>(
  auth: Auth<Claims>,
  options: ApolloAuthPluginOptions = {},
): ApolloServerPlugin<BaseContext> {
  if (!isObject(auth) || typeof auth.createAuthContext !== "function") {
    throw new ConfigurationError("auth", "pass the object returned by createAuth()");
  }
  if (!isObject(options)) throw new ConfigurationError("options", "must be an object");
  const mode = options.mode ?? "reject";
  if (mode !== "reject" && mode !== "filter") {
    throw new ConfigurationError("mode", 'must be "reject" or "filter"');
  }

  // One state per HTTP request: the operations of a batch share the request's HeaderMap
  // (Apollo clones the context per operation, but not the headers).
  const states = new WeakMap<object, AuthState<Claims>>();
  let warned = false;
  const stateFor = (http: Http | undefined): AuthState<Claims> => {
    if (!http) return auth.createAuthContext({ headers: {} }).auth;
    let state = states.get(http.headers);
    if (state) return state;
    const headers: HeadersLike = {
      get: (name) => http.headers.get(name) ?? null,
      set: () => {}, // the challenge goes out through Apollo's response head instead
    };
    const input: AuthContextInput = { headers, method: http.method };
    state = auth.createAuthContext(input).auth;
    states.set(http.headers, state);
    return state;
  };

  return {
    async serverWillStart(service) {
      authDirective(service.schema, { policies: auth.policyNames });
      return {
        schemaDidLoadOrUpdate({ apiSchema }) {
          authDirective(apiSchema, { policies: auth.policyNames });
        },
      };
    },

    async requestDidStart(requestContext): Promise<GraphQLRequestListener<BaseContext>> {
      const context = requestContext.contextValue as Record<string, unknown>;
      if (isObject(context) && context.auth === undefined) {
        context.auth = stateFor(requestContext.request.http);
      } else if (!warned && isObject(context) && !isAuthState(context.auth)) {
        // Fail closed (checkOperation denies protected fields), but say why once.
        warned = true;
        requestContext.logger.warn(
          "scopegate/apollo: context.auth is not an AuthState, so every @auth field is denied; " +
            "leave `auth` out of your context, or return auth.createAuthContext({ req, res }) from it",
        );
      }
      let denial: OperationDenial | null = null;

      return {
        async didResolveOperation(rc) {
          denial = await checkOperation({
            schema: rc.schema,
            document: rc.document,
            operationName: rc.request.operationName,
            variables: rc.request.variables,
            context: rc.contextValue,
            mode,
          });
          if (!denial) return;
          rc.response.http.status = denial.status;
          setHeaders(rc.response.http, denial.headers);
          // Throwing here stops Apollo before `responseForOperation` and execution; the
          // body gets every denied path in `willSendResponse`.
          throw denial.errors[0];
        },

        async willSendResponse(rc) {
          const body = rc.response.body;
          if (denial) {
            rc.response.body = {
              kind: "single",
              singleResult: { errors: denial.errors.map(format) },
            };
            return;
          }
          const result = body.kind === "single" ? body.singleResult : body.initialResult;
          const formatted = result.errors;
          if (!formatted) return;
          const originals = rc.errors ?? [];
          const aligned = originals.length === formatted.length;
          let first: AuthError | undefined;
          const errors = formatted.map((error, i) => {
            const original = aligned ? originals[i] : undefined;
            const cause = original ? unwrapResolverError(original) : undefined;
            if (!original || !isAuthError(cause)) return withoutHttp(error);
            first ??= cause;
            return format(toGraphQLError(cause, { nodes: original.nodes, path: original.path }));
          });
          if (body.kind === "single") body.singleResult = { ...body.singleResult, errors };
          else body.initialResult = { ...body.initialResult, errors };
          if (first && mode === "reject" && body.kind === "single" && result.data == null) {
            rc.response.http.status = first.status;
            setHeaders(rc.response.http, first.headers);
          }
        },
      };
    },
  };
}
