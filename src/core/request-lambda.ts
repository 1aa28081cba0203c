/**
 * Reading AWS Lambda HTTP events (API Gateway REST APIs and HTTP APIs with payload 1.0, HTTP
 * APIs with payload 2.0, Lambda function URLs) into a {@link RequestView}; internal.
 *
 * Every field is read as untrusted JSON: a wrong type is ignored, never thrown over.
 *
 * The request URL (DPoP `htu`) is the URL the client called, as API Gateway reports it:
 *
 * - payload 1.0: `https://{requestContext.domainName}{requestContext.path}`. `requestContext.path`
 *   is the full path the client sent: with the stage on the `execute-api` host
 *   (`/prod/trpc/me`), with the base path mapping on a custom domain (`/api/trpc/me`). The
 *   top-level `path` is not: it drops the stage on the `execute-api` host. Only when
 *   `requestContext.path` is absent is `path` used, with `/{stage}` put back on an
 *   `execute-api` host.
 * - payload 2.0 and function URLs: `https://{requestContext.domainName}{rawPath}?{rawQueryString}`.
 *   `rawPath` carries a named stage on the `execute-api` host, but not the API mapping key of
 *   a custom domain (API Gateway strips it): behind a mapping key, set `publicUrl`
 *   (`https://api.example.com/key`), which is prepended to `rawPath`.
 */
import type { RequestView } from "./request.js";
import type { HeaderLookup } from "./types.js";

type Json = Record<string, unknown>;

const isRecord = (v: unknown): v is Json => typeof v === "object" && v !== null;
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** A host name with an optional port: anything else is not put into a URL. */
const HOST = /^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::\d{1,5})?$/;
const EXECUTE_API = /\.execute-api\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?$/i;

/** Whether a bare object passed to `createAuthContext` is a Lambda HTTP event. */
export function isLambdaEvent(v: Json): boolean {
  return (
    isRecord(v.requestContext) &&
    (typeof v.httpMethod === "string" || typeof v.rawPath === "string")
  );
}

/** The values of header `lower` in a headers object whose keys may have any case. */
function collect(source: Json, lower: string, out: string[]): void {
  const direct = source[lower];
  for (const key in source) {
    if (key.length !== lower.length || (key !== lower && key.toLowerCase() !== lower)) continue;
    const value = key === lower ? direct : source[key];
    if (typeof value === "string") out.push(value);
    else if (Array.isArray(value)) {
      for (const item of value) if (typeof item === "string") out.push(item);
    }
  }
}

/**
 * Header lookup over `multiValueHeaders` (payload 1.0: every value of a repeated header, so a
 * second `Authorization` is seen) and `headers` (payload 1.0: the last value only; payload 2.0:
 * lower-case names, repeated values joined with commas).
 */
function lambdaHeaders(single: unknown, multi: unknown): HeaderLookup {
  const one = isRecord(single) && !Array.isArray(single) ? single : undefined;
  const many = isRecord(multi) && !Array.isArray(multi) ? multi : undefined;
  return (name) => {
    const lower = name.toLowerCase();
    const values: string[] = [];
    if (many) collect(many, lower, values);
    if (values.length === 0 && one) {
      // Payload 2.0 names are lower-case: a direct hit needs no scan.
      const direct = one[lower];
      if (typeof direct === "string" && !many) return direct;
      collect(one, lower, values);
    }
    return values.length === 0 ? undefined : values.length === 1 ? values[0] : values;
  };
}

/** The query string of a payload 1.0 event (payload 1.0 has no raw one). */
function v1Query(event: Json): string {
  const multi = event.multiValueQueryStringParameters;
  const single = event.queryStringParameters;
  const source = isRecord(multi) ? multi : isRecord(single) ? single : undefined;
  if (!source) return "";
  let out = "";
  for (const key in source) {
    const value = source[key];
    const list = Array.isArray(value) ? value : [value];
    for (const item of list) {
      if (typeof item !== "string") continue;
      out += `${out ? "&" : "?"}${encodeURIComponent(key)}=${encodeURIComponent(item)}`;
    }
  }
  return out;
}

/** `?` and `#` in a decoded path would end it early in a URL: keep them in the path. */
function pathPart(path: string): string {
  const p = path.startsWith("/") ? path : `/${path}`;
  return p.includes("?") || p.includes("#")
    ? p.replace(/[?#]/g, (c) => (c === "?" ? "%3F" : "%23"))
    : p;
}

/** The URL the client called, from the event; a bare path when the host is unknown. */
function lambdaUrl(event: Json, rc: Json | undefined, v2: boolean, host: string | undefined) {
  let path: string | undefined;
  let query = "";
  if (v2) {
    path = str(event.rawPath) ?? str(rc && isRecord(rc.http) ? rc.http.path : undefined);
    const raw = str(event.rawQueryString);
    if (raw) query = `?${raw}`;
  } else {
    path = str(rc?.path);
    if (path === undefined) {
      path = str(event.path);
      const stage = str(rc?.stage);
      if (path !== undefined && stage && stage !== "$default" && host && EXECUTE_API.test(host)) {
        path = `/${stage}${pathPart(path)}`;
      }
    }
    if (path !== undefined) query = v1Query(event);
  }
  if (path === undefined) return undefined;
  const tail = pathPart(path) + query;
  return host && HOST.test(host) ? `https://${host}${tail}` : tail;
}

/** Reduces a Lambda HTTP event to a {@link RequestView}; `connectionParams` from tRPC's `info`. */
export function readLambdaEvent(
  event: Json,
  connectionParams: Record<string, unknown> | undefined,
): RequestView {
  const rc = isRecord(event.requestContext) ? event.requestContext : undefined;
  const http = rc && isRecord(rc.http) ? rc.http : undefined;
  const v2 = event.version === "2.0";
  const headers = lambdaHeaders(event.headers, v2 ? undefined : event.multiValueHeaders);
  let host = str(rc?.domainName);
  if (host === undefined) {
    const header = headers("host");
    if (typeof header === "string") host = header;
  }
  const identity = rc && isRecord(rc.identity) ? rc.identity : undefined;
  return {
    headers,
    method: v2 ? str(http?.method) : (str(event.httpMethod) ?? str(rc?.httpMethod)),
    url: lambdaUrl(event, rc, v2, host),
    remoteAddress: v2 ? str(http?.sourceIp) : str(identity?.sourceIp),
    // API Gateway and function URLs answer HTTPS only.
    encrypted: true,
    connectionParams,
    setHeader: undefined,
  };
}
