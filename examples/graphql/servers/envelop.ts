/**
 * envelop behind a bare node:http server with `useAuth`: `httpResult` turns the result into
 * the status and `WWW-Authenticate` of a denial (and strips `extensions.http`).
 */
import { createServer, type IncomingMessage } from "node:http";
import { envelop, useEngine, useSchema } from "@envelop/core";
import * as graphql from "graphql";
import type { Auth } from "scopegate";
import { type AuthMode, type HttpResult, httpResult, useAuth } from "scopegate/graphql";
import { listen, type RecipeServer } from "./listen.js";

/** What a GraphQL-over-HTTP POST carries. */
interface GraphQLParams {
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
}

/** The JSON body of a POST (a bare server reads it itself). */
async function readParams(req: IncomingMessage): Promise<GraphQLParams> {
  let text = "";
  for await (const chunk of req) text += chunk;
  return JSON.parse(text) as GraphQLParams;
}

/** Starts a bare envelop server on 127.0.0.1 with the schema's `@auth` enforced. */
export function startEnvelop<Claims>(
  auth: Auth<Claims>,
  schema: graphql.GraphQLSchema,
  mode: AuthMode = "reject",
): Promise<RecipeServer> {
  // #region recipe
  const getEnveloped = envelop({
    plugins: [useEngine(graphql), useSchema(schema), useAuth(auth, { mode })],
  });
  async function run(req: IncomingMessage, params: GraphQLParams): Promise<HttpResult> {
    const { parse, validate, contextFactory, execute, schema } = getEnveloped({ req });
    const document = parse(params.query);
    const errors = validate(schema, document);
    if (errors.length > 0) return { ...httpResult({ errors }), status: 400 };
    const { variables: variableValues, operationName } = params;
    const contextValue = await contextFactory();
    return httpResult(
      await execute({ schema, document, variableValues, operationName, contextValue }),
    );
  }
  // #endregion recipe
  const server = createServer(async (req, res) => {
    try {
      const { status, headers, body } = await run(req, await readParams(req));
      res.writeHead(status, headers).end(JSON.stringify(body));
    } catch (error) {
      const message = error instanceof graphql.GraphQLError ? error.message : "bad request";
      res.writeHead(400, { "content-type": "application/json" });
      res.end(JSON.stringify({ errors: [{ message }] }));
    }
  });
  return listen(server);
}
