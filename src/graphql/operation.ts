import {
  type DocumentNode,
  type GraphQLError,
  type GraphQLSchema,
  getArgumentValues,
  getVariableValues,
  isSchema,
  Kind,
  type OperationDefinitionNode,
} from "graphql";
import { type AuthError, ConfigurationError, UnauthorizedError } from "scopegate";
import { analyzeOperation, findOperation, type ProtectedSelection } from "./analysis.js";
import { evaluate, evaluatePolicies } from "./check.js";
import { toGraphQLError } from "./errors.js";
import { authStateOf, indexes, plans } from "./state.js";
import { authDirective } from "./transform.js";

/**
 * What is done with a denied field.
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
 * The arguments of {@link checkOperation}: what every GraphQL server has once a request is
 * parsed and validated, before it executes.
 *
 * @example
 * ```ts
 * const args: CheckOperationArgs = {
 *   schema,
 *   document: parse("{ me { id } }"),
 *   context: auth.createAuthContext(request), // { auth }
 * };
 * ```
 */
export interface CheckOperationArgs {
  /** The executable schema. {@link authDirective} is applied to it when it has not been. */
  schema: GraphQLSchema;
  /** The parsed (and validated) request document. */
  document: DocumentNode;
  /** The operation to run when the document holds several. */
  operationName?: string | null | undefined;
  /** The request's variables (they decide `@skip` / `@include`). */
  variables?: Readonly<Record<string, unknown>> | null | undefined;
  /**
   * The GraphQL context the operation will execute with. Its `auth` (the `AuthState` of
   * `auth.createAuthContext`) is checked; a context without one is denied with a 401
   * (fail closed). In `filter` mode the decision is stored against this object, so pass
   * the very object that execution receives as `contextValue`.
   */
  context: unknown;
  /** @default "reject" */
  mode?: AuthMode | undefined;
}

/**
 * Why an operation must not execute: answer it with `status`, `headers` and `{ errors }`
 * (no `data` entry). The errors carry `extensions: { code, error, error_description }`
 * and never transport data (`extensions.http`), so they can go over HTTP, SSE or WebSocket.
 *
 * @example
 * ```ts
 * const denial: OperationDenial | null = await checkOperation(args);
 * if (denial) return new Response(JSON.stringify({ errors: denial.errors }), denial);
 * ```
 */
export interface OperationDenial {
  /** 400 (malformed request), 401 (no or bad token), 403 (scope), 500 (bug), 503 (keys unreachable). */
  status: number;
  /** `WWW-Authenticate` (and `DPoP-Nonce` / `Retry-After`) to send, as a plain record. */
  headers: Record<string, string>;
  /** One error per denied field (located, with its path), or one for the whole request. */
  errors: GraphQLError[];
}

/**
 * The argument-only policies of a selection, before execution, with the field's arguments
 * as execution will coerce them. Arguments that cannot be read here (execution reports
 * that) leave the check to the resolver wrapper.
 */
async function policiesBefore(
  state: NonNullable<ReturnType<typeof authStateOf>>,
  selection: ProtectedSelection,
  variables: () => Record<string, unknown> | null,
): Promise<AuthError | null> {
  if (!selection.requirement.policies || !selection.field) return null;
  const vars = variables();
  if (!vars) return null;
  let args: Record<string, unknown>;
  try {
    args = getArgumentValues(selection.field, selection.node, vars);
  } catch {
    return null;
  }
  return evaluatePolicies(state, selection.requirement, "before", args, undefined);
}

function coerceVariables(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>> | null | undefined,
): Record<string, unknown> | null {
  try {
    const result = getVariableValues(schema, operation.variableDefinitions ?? [], variables ?? {});
    return result.coerced ?? null;
  } catch {
    return null;
  }
}

/** A request-level failure: 400 / 500 / 503 and a DPoP nonce challenge concern no field. */
const requestLevel = (error: AuthError) =>
  (error.status !== 401 && error.status !== 403) || error.code === "use_dpop_nonce";

const denial = (first: AuthError, errors: GraphQLError[]): OperationDenial => ({
  status: first.status,
  headers: { ...first.headers },
  errors,
});

/**
 * The framework-neutral check of one operation before it executes, against the schema's
 * `@auth` (and Federation) requirements. Every scopegate integration calls it (`useAuth`,
 * `scopegate/apollo`, the graphql-http / Mercurius / envelop recipes); call it from any
 * other server between validation and execution.
 *
 * - `null`: execute. An operation that selects only public fields resolves to `null`
 *   without verifying the token.
 * - Otherwise an {@link OperationDenial}: do not execute; answer with its status, headers
 *   and `{ errors }`. In `reject` mode every denied path is listed and the 403 challenge's
 *   `scope=` names what the first denied field needs.
 * - `mode: "filter"`: denied fields (401 / 403) do not deny the operation; they are stored
 *   against `context`, and the transform's resolver wrappers answer each with `null` and an
 *   error when it executes with that same `context` object. A 400 / 503 / 500 still denies,
 *   and so does a denied field when `context` is not an object (nothing to store it on).
 *
 * Throws a `ConfigurationError` for a schema that is not a `GraphQLSchema`, a document
 * that is not a parsed `DocumentNode`, or an invalid directive use in the schema. An
 * operation that cannot be found (no such `operationName`) resolves to `null`: execution
 * reports that error itself.
 *
 * @example
 * ```ts
 * import { parse } from "graphql";
 * import { checkOperation } from "scopegate/graphql";
 *
 * const context = auth.createAuthContext(request); // { auth }
 * const denial = await checkOperation({ schema, document: parse(query), variables, context });
 * if (denial) {
 *   return new Response(JSON.stringify({ errors: denial.errors }), {
 *     status: denial.status,
 *     headers: { ...denial.headers, "content-type": "application/graphql-response+json" },
 *   });
 * }
 * const result = await execute({ schema, document, variableValues: variables, contextValue: context });
 * ```
 */
export async function checkOperation(args: CheckOperationArgs): Promise<OperationDenial | null> {
  if (typeof args !== "object" || args === null) {
    throw new ConfigurationError("checkOperation", "pass { schema, document, context }");
  }
  const { schema, document, context } = args;
  if (!isSchema(schema)) {
    throw new ConfigurationError("schema", "must be a GraphQLSchema (graphql-js)");
  }
  if (typeof document !== "object" || document === null || document.kind !== Kind.DOCUMENT) {
    throw new ConfigurationError("document", "must be a parsed DocumentNode (graphql's parse())");
  }
  const mode = args.mode ?? "reject";
  if (mode !== "reject" && mode !== "filter") {
    throw new ConfigurationError("mode", 'must be "reject" or "filter"');
  }
  authDirective(schema);
  const index = indexes.get(schema);
  const operation = findOperation(document, args.operationName);
  if (!index || !operation) return null;
  const selections = analyzeOperation(schema, index, document, operation, args.variables);
  if (selections.length === 0) return null; // public: no verification

  const state = authStateOf(context);
  let coerced: Record<string, unknown> | null | undefined;
  // The variables as execution coerces them (defaults applied), once, when a policy needs them.
  const variablesOf = () => {
    if (coerced === undefined) coerced = coerceVariables(schema, operation, args.variables);
    return coerced;
  };
  const denied: { selection: ProtectedSelection; error: AuthError }[] = [];
  for (const selection of selections) {
    // Document order puts ancestors first; below a denied field nothing runs.
    if (denied.some((d) => selection.key.startsWith(`${d.selection.key}.`))) continue;
    const error = state
      ? ((await evaluate(state, selection.requirement)) ??
        (await policiesBefore(state, selection, variablesOf)))
      : new UnauthorizedError("authentication required", { reason: "missing_token" });
    if (!error) continue;
    if (requestLevel(error)) return denial(error, [toGraphQLError(error)]);
    denied.push({ selection, error });
  }
  const first = denied[0];
  if (!first) return null;
  if (mode === "filter" && typeof context === "object" && context !== null) {
    plans.set(context, {
      operation,
      denied: new Map(denied.map(({ selection, error }) => [selection.key, error])),
    });
    return null;
  }
  return denial(
    first.error,
    denied.map(({ selection, error }) =>
      toGraphQLError(error, { nodes: selection.node, path: selection.path }),
    ),
  );
}
