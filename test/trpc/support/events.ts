/** Lambda event fixtures (as AWS sends them) and helpers to invoke a real handler with them. */
import { readFileSync } from "node:fs";
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from "aws-lambda";
import { type LambdaHandler, lambdaContext } from "./lambda.js";

export type LambdaEvent = APIGatewayProxyEvent | APIGatewayProxyEventV2;

const fixture = <E>(name: string): E =>
  JSON.parse(readFileSync(new URL(`../fixtures/${name}.json`, import.meta.url), "utf8")) as E;

/** REST API, `execute-api` host, stage `prod`: GET /prod/trpc/me. */
export const restApi = () => fixture<APIGatewayProxyEvent>("rest-api");
/** REST API on custom domain `api.example.com`, base path `v1` → stage `prod`: GET /v1/trpc/me. */
export const restApiCustomDomain = () => fixture<APIGatewayProxyEvent>("rest-api-custom-domain");
/** HTTP API payload 2.0, `execute-api` host, stage `$default`: GET /trpc/me. */
export const httpApi = () => fixture<APIGatewayProxyEventV2>("http-api");
/** Lambda function URL (payload 2.0): GET /me. */
export const functionUrl = () => fixture<APIGatewayProxyEventV2>("function-url");

/** The HTTP API fixture on a named stage `dev`: API Gateway keeps the stage in `rawPath`. */
export function httpApiOnStage(stage = "dev"): APIGatewayProxyEventV2 {
  const e = httpApi();
  e.rawPath = `/${stage}${e.rawPath}`;
  e.requestContext.http.path = e.rawPath;
  e.requestContext.stage = stage;
  return e;
}

const isV2 = (e: LambdaEvent): e is APIGatewayProxyEventV2 =>
  (e as { version?: string }).version === "2.0";

/** The same event, calling procedure `name` instead of `me`. */
export function atProcedure<E extends LambdaEvent>(event: E, name: string): E {
  const swap = (s: string) => s.replace(/me$/, name);
  const e = structuredClone(event);
  if (isV2(e)) {
    e.rawPath = swap(e.rawPath);
    e.requestContext.http.path = swap(e.requestContext.http.path);
  } else {
    e.path = swap(e.path);
    e.requestContext.path = swap(e.requestContext.path);
  }
  if (e.pathParameters?.proxy) e.pathParameters.proxy = swap(e.pathParameters.proxy);
  return e;
}

/**
 * The event with request headers added as API Gateway would pass them: payload 1.0 keeps every
 * value in `multiValueHeaders` and the last in `headers`; payload 2.0 lower-cases the name and
 * joins repeated values with commas.
 */
export function withHeaders<E extends LambdaEvent>(
  event: E,
  headers: Record<string, string | string[]>,
): E {
  const e = structuredClone(event);
  for (const [name, value] of Object.entries(headers)) {
    const values = Array.isArray(value) ? value : [value];
    if (isV2(e)) {
      e.headers[name.toLowerCase()] = values.join(",");
    } else {
      e.headers[name] = values.at(-1);
      e.multiValueHeaders[name] = values;
    }
  }
  return e;
}

/** What a handler answered: status, headers (lower-case names) and the parsed tRPC body. */
export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: {
    result?: { data: unknown };
    error?: { data?: { code?: string; auth?: { error: string; error_description: string } } };
  };
}

/** Invokes a handler with an event and a Lambda context, as the Lambda runtime does. */
export async function invoke<E extends LambdaEvent>(
  handler: LambdaHandler<E>,
  event: E,
): Promise<Answer> {
  const result = await handler(event, lambdaContext());
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(result.headers ?? {})) headers[k.toLowerCase()] = String(v);
  return {
    status: result.statusCode ?? 200,
    headers,
    body: JSON.parse(result.body ?? "null") as Answer["body"],
  };
}
