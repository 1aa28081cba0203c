/**
 * graphql-http (the reference GraphQL-over-HTTP server): {@link graphqlHttpAuth} answers its
 * `onSubscribe`, checking every operation with {@link checkOperation} before it executes,
 * and the structural types it is described with (graphql-http is not imported).
 */
import type { ExecutionArgs, GraphQLError, GraphQLSchema } from "graphql";
import type { Auth, AuthContextInput, AuthState } from "scopegate";
import type { AuthMode } from "../operation.js";
import { authDirective } from "../transform.js";
import { assertAuth, checkParsed, isObject, type Params, parseAndValidate } from "./shared.js";

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
  const schema = authDirective(options.schema, { policies: auth.policyNames });
  const mode = options.mode;
  return {
    schema,
    async onSubscribe(req, params) {
      const parsed = parseAndValidate(schema, params.query);
      if (parsed.errors) return parsed.errors;
      const input = (isObject(req.raw) && "headers" in req.raw ? req.raw : req) as AuthContextInput;
      const extra = options.context ? await options.context(req) : ({} as Extra);
      const { document } = parsed;
      const checked = await checkParsed({ auth, schema, mode, document, params, input, extra });
      const { denial } = checked;
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
      return checked.execution;
    },
  };
}
