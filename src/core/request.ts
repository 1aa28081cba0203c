import type { HeaderLookup } from "./types.js";

/**
 * What `createAuthContext` accepts: a Fetch `Request`, a Node `IncomingMessage`, a plain
 * `{ headers, method?, url? }`, or the context-factory input of tRPC
 * (`{ req, res?, resHeaders?, info? }`) or graphql-yoga (`{ request }`).
 */
export type AuthContextInput =
  | RequestLike
  | {
      req: RequestLike;
      /** A Node `ServerResponse` (headers are written to it), or e.g. tRPC's WebSocket. */
      res?: ResponseSinkLike | object;
      resHeaders?: HeadersLike;
      info?: ConnectionInfoLike;
    }
  | { request: RequestLike; [key: string]: unknown };

/** A Fetch `Request`, a Node `IncomingMessage` or a plain object with headers. */
export type RequestLike =
  | Request
  | {
      headers: HeadersLike | Record<string, string | string[] | undefined>;
      method?: string;
      url?: string;
      rawHeaders?: string[];
      socket?: { remoteAddress?: string; encrypted?: boolean };
    };

/** A Fetch `Headers`-like object. */
export interface HeadersLike {
  get(name: string): string | null;
  set(name: string, value: string): void;
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

function sinkFromResponse(res: ResponseSinkLike): (name: string, value: string) => void {
  return (name, value) => {
    if (res.headersSent) return;
    res.setHeader(name, value);
  };
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
    else if (outer.res && typeof (outer.res as ResponseSinkLike).setHeader === "function") {
      setHeader = sinkFromResponse(outer.res as ResponseSinkLike);
    }
    const info = outer.info as ConnectionInfoLike | undefined;
    const params = info?.connectionParams;
    if (params && typeof params === "object") connectionParams = params;
  } else if ("request" in outer && isRequestLike(outer.request)) {
    req = outer.request;
  }
  if (!isRequestLike(req)) return undefined;
  const r = req as Exclude<RequestLike, Request> & {
    socket?: { remoteAddress?: string; encrypted?: boolean };
  };
  const headers = isHeaders(r.headers)
    ? fromHeaders(r.headers)
    : fromNode(r.headers as Record<string, string | string[] | undefined>, r.rawHeaders);
  return {
    headers,
    method: typeof r.method === "string" ? r.method : undefined,
    url: typeof r.url === "string" ? r.url : undefined,
    remoteAddress: r.socket?.remoteAddress,
    encrypted: r.socket?.encrypted === true,
    connectionParams,
    setHeader,
  };
}
