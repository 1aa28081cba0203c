/**
 * AWS Lambda HTTP events as API Gateway and Lambda function URLs build them, and a small local
 * "API Gateway" on 127.0.0.1 that turns each HTTP request into such an event, invokes a real
 * `awsLambdaRequestHandler` and writes its result back (as `sam local` does).
 *
 * The shapes follow the AWS documentation of the Lambda proxy integration payloads
 * (REST API / payload 1.0, HTTP API payload 2.0, function URLs), with the fields API Gateway
 * fills in: `requestContext.path` with the stage (or a custom domain's base path),
 * `multiValueHeaders` with every value of a repeated header, payload 2.0's lower-case header
 * names with repeated values joined by commas, `rawPath` with a named stage.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import type {
  APIGatewayProxyEvent,
  APIGatewayProxyEventV2,
  APIGatewayProxyResult,
  APIGatewayProxyStructuredResultV2,
  Context,
} from "aws-lambda";
import type { RunningServer } from "./servers.js";

export type LambdaKind = "lambda-v1" | "lambda-v2" | "lambda-url";

/** One HTTP request as the client sent it: header pairs in order, names as sent. */
export interface ClientRequest {
  method: string;
  /** The path the client called, with the query, e.g. `/prod/trpc/me?input=…`. */
  url: string;
  headers: Array<[string, string]>;
  body?: string | undefined;
}

export const REST_DOMAIN = "a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com";
export const HTTP_API_DOMAIN = "f6g7h8i9j0.execute-api.eu-west-1.amazonaws.com";
export const FUNCTION_URL_DOMAIN = "k1l2m3n4o5p6q7r8s9t0u1v2w3x4y5z6.lambda-url.eu-west-1.on.aws";

const SOURCE_IP = "203.0.113.7";
let requests = 0;
const requestId = () => `c6af9ac6-7b61-11e6-9a41-${String(++requests).padStart(12, "0")}`;

function splitUrl(url: string): { path: string; query: string } {
  const q = url.indexOf("?");
  return q === -1 ? { path: url, query: "" } : { path: url.slice(0, q), query: url.slice(q + 1) };
}

/** What API Gateway adds to every proxied request. */
function gatewayHeaders(host: string): Array<[string, string]> {
  return [
    ["Host", host],
    ["X-Amzn-Trace-Id", `Root=1-67891233-${String(requests).padStart(24, "0")}`],
    ["X-Forwarded-For", SOURCE_IP],
    ["X-Forwarded-Port", "443"],
    ["X-Forwarded-Proto", "https"],
  ];
}

/**
 * A REST API (payload 1.0) event for resource `/trpc/{proxy+}`. On the `execute-api` host the
 * client path starts with the stage, which `path` drops and `requestContext.path` keeps; on a
 * custom domain (`basePath` mapped to the stage) both hold the path the client called.
 */
export function restApiEvent(
  req: ClientRequest,
  opts: { domainName?: string; stage?: string; customDomain?: boolean } = {},
): APIGatewayProxyEvent {
  const domainName = opts.domainName ?? REST_DOMAIN;
  const stage = opts.stage ?? "prod";
  const { path: clientPath, query } = splitUrl(req.url);
  const path =
    !opts.customDomain && clientPath.startsWith(`/${stage}/`)
      ? clientPath.slice(stage.length + 1)
      : clientPath;
  const proxy = decodeURIComponent(path.replace(/^(?:\/[^/]+)*?\/trpc\//, ""));
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (const [name, value] of [
    ...req.headers.filter(([n]) => n.toLowerCase() !== "host"),
    ...gatewayHeaders(domainName),
  ]) {
    const key = Object.keys(multiValueHeaders).find((k) => k.toLowerCase() === name.toLowerCase());
    const list = multiValueHeaders[key ?? name] ?? [];
    list.push(value);
    headers[key ?? name] = value;
    multiValueHeaders[key ?? name] = list;
  }
  const params = new URLSearchParams(query);
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [k, v] of params) {
    single[k] = v;
    multi[k] = [...(multi[k] ?? []), v];
  }
  const now = Date.now();
  return {
    resource: "/trpc/{proxy+}",
    path,
    httpMethod: req.method,
    headers,
    multiValueHeaders,
    queryStringParameters: params.size ? single : null,
    multiValueQueryStringParameters: params.size ? multi : null,
    pathParameters: { proxy },
    stageVariables: null,
    requestContext: {
      resourceId: "2gxmpl",
      resourcePath: "/trpc/{proxy+}",
      httpMethod: req.method,
      extendedRequestId: "JJbxmHc6PHcFxmA=",
      requestTime: new Date(now).toUTCString(),
      path: clientPath,
      accountId: "123456789012",
      protocol: "HTTP/1.1",
      stage,
      domainPrefix: domainName.split(".")[0],
      requestTimeEpoch: now,
      requestId: requestId(),
      identity: {
        cognitoIdentityPoolId: null,
        accountId: null,
        cognitoIdentityId: null,
        caller: null,
        sourceIp: SOURCE_IP,
        principalOrgId: null,
        accessKey: null,
        cognitoAuthenticationType: null,
        cognitoAuthenticationProvider: null,
        userArn: null,
        userAgent: headers["user-agent"] ?? "node",
        user: null,
        apiKey: null,
        apiKeyId: null,
        clientCert: null,
      },
      domainName,
      apiId: domainName.split(".")[0] ?? "",
      authorizer: undefined,
    },
    body: req.body ?? null,
    isBase64Encoded: false,
  };
}

/**
 * An HTTP API payload 2.0 event (route `ANY /trpc/{proxy+}`, or `$default` for a function URL).
 * Header names are lower-cased and repeated values joined with commas; `rawPath` is the path
 * the client called (with a named stage on the `execute-api` host).
 */
export function httpApiEvent(
  req: ClientRequest,
  opts: { domainName?: string; stage?: string; functionUrl?: boolean } = {},
): APIGatewayProxyEventV2 {
  const functionUrl = opts.functionUrl === true;
  const domainName = opts.domainName ?? (functionUrl ? FUNCTION_URL_DOMAIN : HTTP_API_DOMAIN);
  const stage = opts.stage ?? "$default";
  const { path: rawPath, query } = splitUrl(req.url);
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (const [name, value] of [
    ...req.headers.filter(([n]) => n.toLowerCase() !== "host"),
    ...gatewayHeaders(domainName),
  ]) {
    const key = name.toLowerCase();
    if (key === "cookie") cookies.push(...value.split("; "));
    else headers[key] = headers[key] === undefined ? value : `${headers[key]},${value}`;
  }
  const params = new URLSearchParams(query);
  const qs: Record<string, string> = {};
  for (const [k, v] of params) qs[k] = qs[k] === undefined ? v : `${qs[k]},${v}`;
  const routeKey = functionUrl ? "$default" : "ANY /trpc/{proxy+}";
  const now = Date.now();
  const proxy = decodeURIComponent(rawPath.replace(/^(?:\/[^/]+)*?\/trpc\//, ""));
  return {
    version: "2.0",
    routeKey,
    rawPath,
    rawQueryString: query,
    ...(cookies.length ? { cookies } : {}),
    headers,
    ...(params.size ? { queryStringParameters: qs } : {}),
    ...(functionUrl ? {} : { pathParameters: { proxy } }),
    requestContext: {
      accountId: functionUrl ? "anonymous" : "123456789012",
      apiId: domainName.split(".")[0] ?? "",
      domainName,
      domainPrefix: domainName.split(".")[0] ?? "",
      http: {
        method: req.method,
        path: rawPath,
        protocol: "HTTP/1.1",
        sourceIp: SOURCE_IP,
        userAgent: headers["user-agent"] ?? "node",
      },
      requestId: requestId(),
      routeKey,
      stage,
      time: new Date(now).toUTCString(),
      timeEpoch: now,
    },
    ...(req.body !== undefined ? { body: req.body } : {}),
    isBase64Encoded: false,
  };
}

/** A Lambda invocation context, as the runtime passes it. */
export function lambdaContext(): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: "trpc-api",
    functionVersion: "$LATEST",
    invokedFunctionArn: "arn:aws:lambda:eu-west-1:123456789012:function:trpc-api",
    memoryLimitInMB: "512",
    awsRequestId: requestId(),
    logGroupName: "/aws/lambda/trpc-api",
    logStreamName: "2026/01/01/[$LATEST]0123456789abcdef",
    getRemainingTimeInMillis: () => 30_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

type Result = APIGatewayProxyResult | APIGatewayProxyStructuredResultV2;

/** Any handler taking one kind of event (what `awsLambdaRequestHandler` returns). */
export type LambdaHandler<E> = (event: E, context: Context) => Promise<Result>;

/** The event of `kind` for a client request (REST API stage `prod`, HTTP API stage `$default`). */
export function eventFor(kind: LambdaKind, req: ClientRequest) {
  if (kind === "lambda-v1") return restApiEvent(req);
  return httpApiEvent(req, { functionUrl: kind === "lambda-url" });
}

/** Where the client calls each kind's tRPC endpoint on the local gateway. */
export const ENDPOINT: Record<LambdaKind, string> = {
  "lambda-v1": "/prod/trpc",
  "lambda-v2": "/trpc",
  "lambda-url": "",
};

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return chunks.length ? Buffer.concat(chunks).toString("utf8") : undefined;
}

/** Serves a Lambda handler on 127.0.0.1 through events of `kind`. */
export function startLambdaGateway(
  kind: LambdaKind,
  handler: LambdaHandler<APIGatewayProxyEvent | APIGatewayProxyEventV2>,
): Promise<RunningServer> {
  const server = createServer(async (req, res) => {
    const headers: Array<[string, string]> = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      headers.push([req.rawHeaders[i] ?? "", req.rawHeaders[i + 1] ?? ""]);
    }
    const client: ClientRequest = {
      method: req.method ?? "GET",
      url: req.url ?? "/",
      headers,
      body: await readBody(req),
    };
    const result = await handler(eventFor(kind, client), lambdaContext());
    for (const [name, value] of Object.entries(result.headers ?? {})) {
      res.setHeader(name, String(value));
    }
    if ("multiValueHeaders" in result && result.multiValueHeaders) {
      for (const [name, values] of Object.entries(result.multiValueHeaders)) {
        res.setHeader(name, values.map(String));
      }
    }
    res.statusCode = result.statusCode ?? 200;
    res.end(result.body ?? "");
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}${ENDPOINT[kind]}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
