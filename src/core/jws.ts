/** A compact JWS split and decoded, not yet verified; internal. */
export interface DecodedJws {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  /** `base64url(header) "." base64url(payload)`: the bytes that were signed. */
  signingInput: string;
  signature: Uint8Array;
  /** The header segment as it appears in the token (a memo key for callers). */
  headerSegment: string;
  /** Whether `header` came from the caller's memo instead of being decoded. */
  headerKnown: boolean;
}

const SEGMENT = /^[A-Za-z0-9_-]+$/;
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/**
 * Whether the last character of an unpadded base64url segment leaves its unused low bits zero
 * (RFC 4648 §3.5 canonical encoding). Decoders ignore those bits, so without this check one
 * signature would have several spellings, each a different token string for the same bytes.
 */
function canonicalEnd(segment: string): boolean {
  const rest = segment.length % 4;
  if (rest === 0) return true;
  if (rest === 1) return false;
  const value = ALPHABET.indexOf(segment[segment.length - 1] as string);
  return (value & (rest === 2 ? 0b1111 : 0b11)) === 0;
}
const decoder = new TextDecoder("utf-8", { fatal: true });

function base64urlDecode(segment: string): Uint8Array {
  if (typeof Buffer !== "undefined") return Buffer.from(segment, "base64url");
  const b64 = segment.replace(/-/g, "+").replace(/_/g, "/");
  const bin = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * Strict UTF-8: Node's Buffer decoder is the fast one, but it replaces malformed sequences with
 * U+FFFD; only text that holds one is decoded again by the fatal decoder, which refuses
 * malformed input and keeps a genuine U+FFFD.
 */
function utf8(bytes: Uint8Array): string {
  if (typeof Buffer !== "undefined" && Buffer.isBuffer(bytes)) {
    const text = bytes.toString("utf8");
    if (!text.includes("\uFFFD")) return text;
  }
  return decoder.decode(bytes);
}

function jsonObject(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(utf8(base64urlDecode(segment)));
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Splits a compact JWS and decodes its header and payload: strict base64url (no padding, no
 * other characters), UTF-8, JSON objects. Returns a string naming the defect on failure.
 * Duplicate JSON member names keep the last value (JSON.parse), as jose does.
 */
export function decodeJws(
  token: string,
  knownHeader?: (segment: string) => Record<string, unknown> | undefined,
  shaped = false,
): DecodedJws | string {
  const first = token.indexOf(".");
  const second = token.indexOf(".", first + 1);
  if (first === -1 || second === -1 || token.indexOf(".", second + 1) !== -1) {
    if (first === -1) return "opaque";
    return token.split(".").length === 5 ? "encrypted" : "malformed token: not a JWS";
  }
  const h = token.slice(0, first);
  const p = token.slice(first + 1, second);
  const s = token.slice(second + 1);
  // A memo hit is an exact copy of a segment that was decoded (and verified) before.
  const known = knownHeader?.(h);
  // `shaped`: the caller already matched the whole token against three base64url segments.
  if (
    (!shaped && ((!known && !SEGMENT.test(h)) || !SEGMENT.test(p))) ||
    (s !== "" && ((!shaped && !SEGMENT.test(s)) || !canonicalEnd(s)))
  ) {
    return "malformed token encoding";
  }
  const header = known ?? jsonObject(h);
  if (!header) return "malformed token header";
  const payload = jsonObject(p);
  if (!payload) return "malformed token payload";
  return {
    header,
    payload,
    signingInput: token.slice(0, second),
    signature: base64urlDecode(s),
    headerSegment: h,
    headerKnown: known !== undefined,
  };
}
