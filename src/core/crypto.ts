import { base64url } from "jose";
import { native, nativeHmac, nativeSha256 } from "./native.js";

const encoder = new TextEncoder();

/** base64url(SHA-256(value)): synchronous with (self-tested) node:crypto, else WebCrypto. */
export function sha256b64u(value: string): string | Promise<string> {
  const c = native();
  if (c) return nativeSha256(c, value);
  return crypto.subtle
    .digest("SHA-256", encoder.encode(value))
    .then((d) => base64url.encode(new Uint8Array(d)));
}

/** HMAC-SHA-256 of `data` with `key`, raw bytes. */
export async function hmac(key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  const c = native();
  if (c) return nativeHmac(c, key, data);
  const k = await crypto.subtle.importKey(
    "raw",
    new Uint8Array(key),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, new Uint8Array(data)));
}

/** Constant-time comparison of two byte strings (false on length mismatch). */
export function safeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

/** Cryptographically random bytes. */
export function randomBytes(n: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(n));
}
