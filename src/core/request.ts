import { isLambdaEvent, readLambdaEvent } from "./request-lambda.js";
import type { HeaderLookup } from "./types.js";

/**
 * What `createAuthContext` accepts: a Fetch `Request`, a Node `IncomingMessage`, a plain
 * `{ headers, method?, url? }`, an AWS Lambda HTTP event, or the context-factory input of
 * tRPC (`{ req, res?, resHeaders?, info? }` from standalone, Express, Fastify, fetch, Next.js
 * and WebSocket; `{ event, context, info }` from AWS Lambda) or graphql-yoga (`{ request }`).
 */
export type AuthContextInput =
  | RequestLike
  | {
      req: RequestLike;
      /**
       * Where headers are written: a Node `ServerResponse` (`setHeader`), a Fastify reply
       * (`header`); anything else (e.g. tRPC's WebSocket) is ignored.
       */
      res?: ResponseSinkLike | HeaderSinkLike | object;
      resHeaders?: HeadersLike;
      info?: ConnectionInfoLike;
    }
  | { request: RequestLike; [key: string]: unknown }
  | LambdaContextInput;

/**
 * tRPC's AWS Lambda context input (`CreateAWSLambdaContextOptions`). It has no response sink:
 * pass `authResponseMeta` from `scopegate/trpc` as the adapter's `responseMeta` so the
 * challenge headers reach the response.
 */
export interface LambdaContextInput {
  /** The API Gateway (REST, HTTP API payload 1.0 or 2.0) or function URL event. */
  event: LambdaEventLike;
  /** The Lambda invocation context (not read). */
  context?: unknown;
  info?: ConnectionInfoLike;
}

/**
 * The fields of an AWS Lambda HTTP event that are read: API Gateway REST APIs and HTTP APIs
 * with payload 1.0 (`httpMethod`, `multiValueHeaders`, `requestContext.path`), HTTP APIs with
 * payload 2.0 and Lambda function URLs (`version: "2.0"`, `rawPath`, `requestContext.http`).
 * The request URL (DPoP `htu`) is `https://{requestContext.domainName}` + the path the client
 * called (see the README's hosts table); `publicUrl` overrides the origin.
 */
export interface LambdaEventLike {
  /** `"2.0"` for payload 2.0 and function URLs; absent or `"1.0"` for payload 1.0. */
  version?: string;
  httpMethod?: string;
  path?: string;
  rawPath?: string;
  rawQueryString?: string;
  headers?: Record<string, string | undefined> | null;
  multiValueHeaders?: Record<string, string[] | undefined> | null;
  queryStringParameters?: Record<string, string | undefined> | null;
  multiValueQueryStringParameters?: Record<string, string[] | undefined> | null;
  requestContext?: {
    domainName?: string;
    path?: string;
    stage?: string;
    http?: { method?: string; path?: string; sourceIp?: string };
    identity?: { sourceIp?: string | null };
  };
}

/** A Fetch `Request`, a Node `IncomingMessage` or a plain object with headers. */
export type RequestLike =
  | Request
  | {
      headers: HeadersLike | Record<string, string | string[] | undefined>;
      method?: string;
      url?: string;
      rawHeaders?: string[];
      socket?: {
        remoteAddress?: string;
        encrypted?: boolean;
        getPeerCertificate?: (detailed: boolean) => { raw?: Uint8Array } | null;
      };
    };

/** A Fetch `Headers`-like object. */
export interface HeadersLike {
  get(name: string): string | null;
  set(name: string, value: string): void;
}

/** A Fastify reply (`FastifyReply`): headers are written with `header(name, value)`. */
export interface HeaderSinkLike {
  header(name: string, value: string): unknown;
  /** `true` once the reply was sent. */
  sent?: boolean;
}

/** A Node `ServerResponse`-like object headers can be written to. */
export interface ResponseSinkLike {
  setHeader(name: string, value: string | number | readonly string[]): unknown;
  getHeader?(name: string): unknown;
  headersSent?: boolean;
}

/** tRPC's `info` (subscriptions carry `connectionParams`). */
export interface ConnectionInfoLike {
  connectionParams?: Record<string, unknown> | null;
}

/** A request reduced to what the checks need; internal. */
export interface RequestView {
  headers: HeaderLookup;
  method: string | undefined;
  url: string | undefined;
  remoteAddress: string | undefined;
  encrypted: boolean;
  connectionParams: Record<string, unknown> | undefined;
  setHeader: ((name: string, value: string) => void) | undefined;
  /**
   * The DER bytes of the TLS client certificate (RFC 8705), when the request came over a
   * Node TLS socket that has one; absent for Fetch `Request`s and plain objects.
   */
  peerCertificate?: (() => Uint8Array | undefined) | undefined;
}

function isHeaders(h: unknown): h is HeadersLike {
  return typeof h === "object" && h !== null && typeof (h as HeadersLike).get === "function";
}

function isRequestLike(v: unknown): v is RequestLike {
  return (
    typeof v === "object" &&
    v !== null &&
    "headers" in v &&
    typeof v.headers === "object" &&
    v.headers !== null
  );
}

/** Header values as strings: anything else a caller put in a plain object is coerced. */
function asHeaderValue(v: unknown): string | string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) return v.map(String);
  return String(v);
}

function fromHeaders(h: HeadersLike): HeaderLookup {
  return (name) => h.get(name) ?? undefined;
}

function fromNode(
  h: Record<string, string | string[] | undefined>,
  raw: string[] | undefined,
): HeaderLookup {
  return (name) => {
    const lower = name.toLowerCase();
    const direct = h[lower];
    // Node drops duplicate Authorization headers from `headers`; rawHeaders keeps them all.
    // Absent from `headers` means absent from rawHeaders too: no scan then.
    if (raw && direct !== undefined && (lower === "authorization" || lower === "dpop")) {
      const all: string[] = [];
      for (let i = 0; i < raw.length; i += 2) {
        const name = raw[i];
        if (name?.length === lower.length && name.toLowerCase() === lower)
          all.push(raw[i + 1] ?? "");
      }
      return all.length === 0 ? undefined : all.length === 1 ? all[0] : all;
    }
    if (direct !== undefined) return asHeaderValue(direct);
    for (const key of Object.keys(h)) if (key.toLowerCase() === lower) return asHeaderValue(h[key]);
    return undefined;
  };
}

function sinkFromHeaders(h: HeadersLike): (name: string, value: string) => void {
  return (name, value) => h.set(name, value);
}

type Sink = (name: string, value: string) => void;

/** The header sink of a tRPC `res`: a Node response, a Fastify reply, or none. */
function sinkFromResponse(res: unknown): Sink | undefined {
  if (typeof res !== "object" || res === null) return undefined;
  const node = res as ResponseSinkLike;
  if (typeof node.setHeader === "function") {
    return (name, value) => {
      if (node.headersSent) return;
      node.setHeader(name, value);
    };
  }
  const reply = res as HeaderSinkLike;
  if (typeof reply.header === "function") {
    return (name, value) => {
      if (reply.sent === true) return;
      reply.header(name, value);
    };
  }
  return undefined;
}

function paramsOf(info: unknown): Record<string, unknown> | undefined {
  if (typeof info !== "object" || info === null) return undefined;
  const params = (info as ConnectionInfoLike).connectionParams;
  return params && typeof params === "object" ? params : undefined;
}

/** Node's `rawHeaders` of a request, or of the `IncomingMessage` a Fastify request wraps. */
function rawHeadersOf(r: { rawHeaders?: unknown; raw?: unknown }): string[] | undefined {
  if (Array.isArray(r.rawHeaders)) return r.rawHeaders;
  const raw = r.raw as { rawHeaders?: unknown } | undefined;
  return typeof raw === "object" && raw !== null && Array.isArray(raw.rawHeaders)
    ? raw.rawHeaders
    : undefined;
}

/** Reduces any supported input to a {@link RequestView}; internal. */
export function readRequest(input: unknown): RequestView | undefined {
  if (typeof input !== "object" || input === null) return undefined;
  let req: unknown = input;
  let setHeader: RequestView["setHeader"];
  let connectionParams: Record<string, unknown> | undefined;
  const outer = input as Record<string, unknown>;
  if ("req" in outer && isRequestLike(outer.req)) {
    req = outer.req;
    if (isHeaders(outer.resHeaders)) setHeader = sinkFromHeaders(outer.resHeaders);
    else setHeader = sinkFromResponse(outer.res);
    connectionParams = paramsOf(outer.info);
  } else if ("request" in outer && isRequestLike(outer.request)) {
    req = outer.request;
  } else if ("event" in outer && typeof outer.event === "object" && outer.event !== null) {
    return readLambdaEvent(outer.event as Record<string, unknown>, paramsOf(outer.info));
  }
  if (!isRequestLike(req)) return undefined;
  const r = req as Exclude<RequestLike, Request> & {
    socket?: Exclude<RequestLike, Request>["socket"];
    raw?: unknown;
    originalUrl?: unknown;
  };
  let headers: HeaderLookup;
  if (isHeaders(r.headers)) headers = fromHeaders(r.headers);
  // A bare Lambda event has `httpMethod` or `requestContext.http.method`, never `method`.
  else if (req === input && r.method === undefined && isLambdaEvent(outer)) {
    return readLambdaEvent(outer, undefined);
  } else
    headers = fromNode(r.headers as Record<string, string | string[] | undefined>, rawHeadersOf(r));
  const socket = typeof r.socket === "object" && r.socket !== null ? r.socket : undefined;
  return {
    headers,
    method: typeof r.method === "string" ? r.method : undefined,
    // Express rewrites `url` below a mount path (`app.use("/trpc", …)`); `originalUrl` is the
    // request line's URL, which is what the client signed as the DPoP `htu`.
    url:
      typeof r.originalUrl === "string"
        ? r.originalUrl
        : typeof r.url === "string"
          ? r.url
          : undefined,
    remoteAddress: typeof socket?.remoteAddress === "string" ? socket.remoteAddress : undefined,
    encrypted: socket?.encrypted === true,
    connectionParams,
    setHeader,
    peerCertificate:
      typeof socket?.getPeerCertificate === "function"
        ? () => {
            const raw = socket.getPeerCertificate?.(true)?.raw;
            return raw instanceof Uint8Array ? raw : undefined;
          }
        : undefined,
  };
}
