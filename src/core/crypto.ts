import { base64url } from "jose";
import { nodeCrypto } from "./node-crypto.js";

const encoder = new TextEncoder();

/** base64url(SHA-256(value)): synchronous with node:crypto, else WebCrypto. */
export function sha256b64u(value: string): string | Promise<string> {
  if (nodeCrypto) return nodeCrypto.createHash("sha256").update(value).digest("base64url");
  return crypto.subtle
    .digest("SHA-256", encoder.encode(value))
    .then((d) => base64url.encode(new Uint8Array(d)));
}

/** HMAC-SHA-256 of `data` with `key`, raw bytes. */
export async function hmac(key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  if (nodeCrypto) return nodeCrypto.createHmac("sha256", key).update(data).digest();
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
