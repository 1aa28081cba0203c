import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/** base64url(SHA-256(value)), synchronous (RFC 9449 `ath`, replay keys). */
export function sha256b64u(value: string): string {
  return createHash("sha256").update(value).digest("base64url");
}

/** HMAC-SHA-256 of `data` with `key`, raw bytes. */
export function hmac(key: Uint8Array, data: Uint8Array): Uint8Array {
  return createHmac("sha256", key).update(data).digest();
}

/** Constant-time comparison of two byte strings (false on length mismatch). */
export function safeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
