import { InvalidRequestError } from "./errors.js";
import type { RequestView } from "./request.js";

/** How the public URL of a request is found (DPoP `htu`); internal. */
export interface PublicUrlOptions {
  publicUrl: string | undefined;
  trustProxy: boolean | number | ((remoteAddress: string) => boolean) | undefined;
}

const HOST =
  /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;
const badHost = () =>
  new InvalidRequestError("malformed forwarded host or protocol", { reason: "malformed_header" });

function one(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(",") : v;
}

/** Picks the value set by the nearest trusted proxy from a comma-separated list. */
function pick(list: string | undefined, hops: number | "first"): string | undefined {
  if (list === undefined) return undefined;
  const parts = list
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (parts.length === 0) return undefined;
  return hops === "first" ? parts[0] : parts[Math.max(0, parts.length - hops)];
}

/**
 * How many hops of forwarded values `trustProxy` trusts for this request: `"first"` (the
 * client-most value), a count from the nearest proxy, or 0 (none); internal.
 */
export function trustedHops(
  view: RequestView,
  trust: PublicUrlOptions["trustProxy"],
): number | "first" | 0 {
  return trusted(view, trust);
}

function trusted(view: RequestView, trust: PublicUrlOptions["trustProxy"]): number | "first" | 0 {
  if (trust === true) return "first";
  if (typeof trust === "number") return trust;
  if (typeof trust === "function") return view.remoteAddress && trust(view.remoteAddress) ? 1 : 0;
  return 0;
}

/** Parses RFC 7239 `Forwarded` into one element per proxy. */
function parseForwarded(value: string): Array<Record<string, string>> {
  return value.split(",").map((element) => {
    const out: Record<string, string> = {};
    for (const pair of element.split(";")) {
      const eq = pair.indexOf("=");
      if (eq === -1) continue;
      const key = pair.slice(0, eq).trim().toLowerCase();
      out[key] = pair
        .slice(eq + 1)
        .trim()
        .replace(/^"(.*)"$/, "$1");
    }
    return out;
  });
}

/**
 * The public URL of a request: `publicUrl` + the request path when configured; else the
 * request's own URL, corrected by `Forwarded` / `X-Forwarded-*` from trusted proxies.
 * Throws a 400 for a malformed forwarded host. Returns `undefined` when nothing is known.
 */
export function publicUrlOf(view: RequestView, o: PublicUrlOptions): string | undefined {
  const raw = view.url;
  if (raw === undefined) return undefined;
  let path: string;
  let base: URL | undefined;
  try {
    if (/^[a-z][a-z0-9+.-]*:/i.test(raw)) {
      const u = new URL(raw);
      path = u.pathname + u.search;
      base = new URL(u.origin);
    } else {
      path = raw.startsWith("/") ? raw : `/${raw}`;
    }
  } catch {
    throw new InvalidRequestError("malformed request URL", { reason: "malformed_header" });
  }
  if (o.publicUrl) {
    const pub = new URL(o.publicUrl);
    return `${pub.origin}${pub.pathname.replace(/\/+$/, "")}${path}`;
  }
  let proto = base ? base.protocol.slice(0, -1) : view.encrypted ? "https" : "http";
  let host = base?.host ?? one(view.headers("host"));
  let prefix = "";
  const hops = trusted(view, o.trustProxy);
  if (hops !== 0) {
    const forwarded = one(view.headers("forwarded"));
    if (forwarded) {
      const elements = parseForwarded(forwarded);
      const el = hops === "first" ? elements[0] : elements[Math.max(0, elements.length - hops)];
      if (el?.host !== undefined) host = el.host;
      if (el?.proto !== undefined) proto = el.proto.toLowerCase();
    } else {
      const fHost = pick(one(view.headers("x-forwarded-host")), hops);
      const fProto = pick(one(view.headers("x-forwarded-proto")), hops);
      const fPort = pick(one(view.headers("x-forwarded-port")), hops);
      const fPrefix = pick(one(view.headers("x-forwarded-prefix")), hops);
      if (fProto !== undefined) proto = fProto.toLowerCase();
      if (fHost !== undefined) host = fHost;
      if (fPort !== undefined) {
        if (!/^\d{1,5}$/.test(fPort)) throw badHost();
        host = `${(host ?? "").replace(/:\d+$/, "")}:${fPort}`;
      }
      if (fPrefix !== undefined) {
        if (!/^\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*$/.test(fPrefix)) throw badHost();
        prefix = fPrefix.replace(/\/+$/, "");
      }
    }
    if (proto !== "http" && proto !== "https") throw badHost();
  }
  if (!host) return undefined;
  if (!HOST.test(host)) throw badHost();
  return `${proto}://${host}${prefix}${path}`;
}

const UNRESERVED = /[A-Za-z0-9\-._~]/;

/**
 * RFC 3986 §6.2.2–6.2.3 normalisation for `htu` comparison: scheme and host lower-cased,
 * default port dropped, dot segments removed, percent-encodings upper-cased and unreserved
 * ones decoded, empty path → `/`; query and fragment dropped. `undefined` if not a URL.
 */
export function normalizeHtu(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
  const path = url.pathname.replace(/%([0-9a-f]{2})/gi, (m, hex: string) => {
    const ch = String.fromCharCode(Number.parseInt(hex, 16));
    return UNRESERVED.test(ch) ? ch : m.toUpperCase();
  });
  return `${url.protocol}//${url.host}${path || "/"}`;
}
