/**
 * What the GraphQL server helpers (graphql-http, Mercurius, envelop, graphql-ws) share: the
 * structural checks of their inputs, parsing and validating a request's query, and building
 * the context and running {@link checkOperation} on it. Internal: not exported from
 * `scopegate/graphql`.
 */
import {
  type DocumentNode,
  type ExecutionArgs,
  GraphQLError,
  type GraphQLSchema,
  parse,
  validate,
} from "graphql";
import { type Auth, type AuthContextInput, type AuthState, ConfigurationError } from "scopegate";
import { type AuthMode, checkOperation, type OperationDenial } from "../operation.js";

export type Context = Record<string, unknown>;
export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null;
export const isState = (v: unknown): v is AuthState<unknown> =>
  isObject(v) && typeof v.require === "function" && typeof v.expiresAt === "function";

export function assertAuth(auth: unknown): void {
  if (!isObject(auth) || typeof auth.createAuthContext !== "function") {
    throw new ConfigurationError("auth", "pass the object returned by createAuth()");
  }
}

/** `operationName` and `variables` as GraphQL-over-HTTP and graphql-ws carry them. */
export interface Params {
  readonly query?: string | null | undefined;
  readonly operationName?: string | null | undefined;
  readonly variables?: Readonly<Record<string, unknown>> | null | undefined;
}

type Parsed = { errors: readonly GraphQLError[] } | { errors?: undefined; document: DocumentNode };

/** Parses and validates a request's query; the errors of either step otherwise. */
export function parseAndValidate(schema: GraphQLSchema, query: unknown): Parsed {
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

/** What {@link checkParsed} needs: the request, already parsed and validated. */
interface CheckParsedArgs<Claims, Extra> {
  auth: Auth<Claims>;
  schema: GraphQLSchema;
  mode: AuthMode | undefined;
  document: DocumentNode;
  params: Params;
  /** What `auth.createAuthContext` reads the token from. */
  input: AuthContextInput;
  /** The caller's own context, merged under `auth`. */
  extra: Extra;
}

/**
 * Builds `{ ...extra, auth }` from `input` and runs {@link checkOperation} on the document:
 * its denial, if any, and the execution arguments for the operation.
 */
export async function checkParsed<Claims, Extra extends object>(
  args: CheckParsedArgs<Claims, Extra>,
): Promise<{
  denial: OperationDenial | null;
  execution: ExecutionArgs & { contextValue: Extra & { auth: AuthState<Claims> } };
}> {
  const { schema, document, params } = args;
  const contextValue = { ...args.extra, ...args.auth.createAuthContext(args.input) };
  const variables = params.variables ?? undefined;
  const { operationName } = params;
  const denial = await checkOperation({
    schema,
    document,
    operationName,
    variables,
    context: contextValue,
    mode: args.mode,
  });
  return {
    denial,
    execution: { schema, document, operationName, variableValues: variables, contextValue },
  };
}
