import { base64url } from "jose";
import { trustedHops } from "./public-url.js";
import type { RequestView } from "./request.js";
import type { AuthOptions } from "./types.js";

/** Largest certificate header read (a PEM chain from a proxy); longer ones are ignored. */
const MAX_HEADER_LENGTH = 32 * 1024;

/** Where the client certificate of a request comes from; internal. */
export interface CertificateSource {
  certificateHeader: string | undefined;
  trustProxy: AuthOptions["trustProxy"];
}

/** One certificate as found: its DER bytes, or (Envoy `Hash=`) only its SHA-256. */
type Found = { der: Uint8Array } | { sha256: Uint8Array };

/**
 * base64url(SHA-256(DER)) of the request's client certificate (RFC 8705 §3.1 `x5t#S256`), or
 * `undefined` when there is none. Behind a trusted proxy (`trustProxy` trusts the hop) the
 * `certificateHeader` is read first; otherwise, and when it is absent, the TLS socket's
 * peer certificate. An untrusted hop's header is never read.
 */
export async function clientCertificateThumbprint(
  view: RequestView | undefined,
  o: CertificateSource,
): Promise<string | undefined> {
  if (!view) return undefined;
  const found = fromHeader(view, o) ?? fromSocket(view);
  if (!found) return undefined;
  if ("sha256" in found) return base64url.encode(found.sha256);
  const digest = await crypto.subtle.digest("SHA-256", new Uint8Array(found.der));
  return base64url.encode(new Uint8Array(digest));
}

function fromSocket(view: RequestView): Found | undefined {
  const der = view.peerCertificate?.();
  return der && der.byteLength > 0 ? { der } : undefined;
}

function fromHeader(view: RequestView, o: CertificateSource): Found | undefined {
  if (!o.certificateHeader) return undefined;
  const hops = trustedHops(view, o.trustProxy);
  if (hops === 0) return undefined;
  const raw = view.headers(o.certificateHeader);
  const value = Array.isArray(raw) ? raw.join(",") : raw;
  if (value === undefined || value === "" || value.length > MAX_HEADER_LENGTH) return undefined;
  const elements = splitElements(value);
  if (elements.length === 0) return undefined;
  const element = hops === "first" ? elements[0] : elements[Math.max(0, elements.length - hops)];
  return element === undefined ? undefined : parseElement(element.trim());
}

/** Splits a header value at commas outside double quotes (Envoy `Subject="CN=a,O=b"`). */
function splitElements(value: string): string[] {
  const out: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === "\\" && quoted) i++;
    else if (c === '"') quoted = !quoted;
    else if (c === "," && !quoted) {
      out.push(value.slice(start, i));
      start = i + 1;
    }
  }
  out.push(value.slice(start));
  return out.map((s) => s.trim()).filter(Boolean);
}

/**
 * One certificate element: RFC 9440 `:base64-DER:`, Envoy XFCC `Cert="<url-encoded PEM>"` or
 * `Hash=<hex SHA-256>`, nginx `$ssl_client_escaped_cert` (URL-encoded PEM) or a plain PEM.
 */
function parseElement(element: string): Found | undefined {
  const sf = /^:([A-Za-z0-9+/]+={0,2}):$/.exec(element);
  if (sf?.[1]) return derOf(decodeBase64(sf[1]));
  if (/(?:^|;)\s*(?:By|Hash|Cert|Chain|Subject|URI|DNS)=/i.test(element)) {
    const fields = xfccFields(element);
    const cert = fields.get("cert");
    if (cert !== undefined) return derOf(pemToDer(safeDecode(cert)));
    const hash = fields.get("hash");
    if (hash !== undefined && /^[0-9a-f]{64}$/i.test(hash)) return { sha256: hexBytes(hash) };
    return undefined;
  }
  return derOf(pemToDer(element.includes("%") ? safeDecode(element) : element));
}

/** The `key=value` pairs of one XFCC element (`;`-separated, values maybe quoted). */
function xfccFields(element: string): Map<string, string> {
  const fields = new Map<string, string>();
  const re = /([A-Za-z]+)=("(?:[^"\\]|\\.)*"|[^;]*)/g;
  for (let m = re.exec(element); m; m = re.exec(element)) {
    const key = (m[1] ?? "").toLowerCase();
    let v = m[2] ?? "";
    if (v.startsWith('"')) v = v.slice(1, -1).replace(/\\(.)/g, "$1");
    if (!fields.has(key)) fields.set(key, v);
  }
  return fields;
}

function safeDecode(v: string): string {
  try {
    return decodeURIComponent(v);
  } catch {
    return "";
  }
}

/** The DER bytes of the first `CERTIFICATE` block of a PEM text. */
function pemToDer(pem: string): Uint8Array | undefined {
  const m = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/.exec(pem);
  if (!m?.[1]) return undefined;
  return decodeBase64(m[1].replace(/\s+/g, ""));
}

function decodeBase64(b64: string): Uint8Array | undefined {
  try {
    const bin = atob(b64);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return undefined;
  }
}

const derOf = (der: Uint8Array | undefined): Found | undefined =>
  der && der.byteLength > 0 ? { der } : undefined;

function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}
