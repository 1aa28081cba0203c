/**
 * A bare server (envelop, graphql-js) answering an `ExecutionResult`: {@link httpResult}
 * turns the result of an operation run with `useAuth` into an HTTP answer (status, headers,
 * body).
 */
import { type ExecutionResult, GraphQLError } from "graphql";
import { isObject } from "./shared.js";

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
