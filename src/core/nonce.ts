import { base64url } from "jose";
import { hmac, randomBytes, safeEqual } from "./crypto.js";

/**
 * A source of DPoP server nonces (RFC 9449 §8–9). `current()` is sent in `DPoP-Nonce`;
 * `isValid()` decides whether a proof's `nonce` is still accepted.
 *
 * @example
 * ```ts
 * const provider: NonceProvider = { current: () => myNonce, isValid: (n) => n === myNonce };
 * ```
 */
export interface NonceProvider {
  /** The nonce clients should use now. */
  current(): string | Promise<string>;
  /** Whether a nonce from a proof is accepted. */
  isValid(nonce: string): boolean | Promise<boolean>;
}

/** Options of {@link createNonceProvider}: a stateless, rotating, HMAC-based nonce. */
export interface HmacNonceOptions {
  /** Shared secret (≥ 32 bytes recommended); give every process the same one. Default: random per process. */
  secret?: string | Uint8Array | undefined;
  /** Rotation period in seconds; a nonce is accepted in its period and the next one. @default 300 */
  rotation?: number | undefined;
}

/**
 * Creates a stateless nonce provider: `nonce = base64url(period ‖ HMAC(secret, period))`,
 * rotating every `rotation` seconds; the current and the previous period are accepted.
 * Processes that share the secret accept each other's nonces with no shared state.
 *
 * @example
 * ```ts
 * createAuth({ domain, audience, dpop: { nonce: { secret: process.env.DPOP_NONCE_SECRET } } });
 * ```
 */
export function createNonceProvider(options: HmacNonceOptions = {}): NonceProvider {
  const secret =
    typeof options.secret === "string"
      ? new TextEncoder().encode(options.secret)
      : (options.secret ?? randomBytes(32));
  const rotation = (options.rotation ?? 300) * 1000;
  const make = async (period: number): Promise<string> => {
    const bytes = new Uint8Array(6);
    new DataView(bytes.buffer).setUint32(0, period >>> 0);
    new DataView(bytes.buffer).setUint16(4, Math.floor(period / 2 ** 32));
    const mac = (await hmac(secret, bytes)).subarray(0, 16);
    const out = new Uint8Array(22);
    out.set(bytes);
    out.set(mac, 6);
    return base64url.encode(out);
  };
  let cache: { period: number; value: Promise<string> } | undefined;
  const period = () => Math.floor(Date.now() / rotation);
  return {
    current() {
      const p = period();
      if (cache?.period !== p) cache = { period: p, value: make(p) };
      return cache.value;
    },
    async isValid(nonce) {
      if (typeof nonce !== "string" || nonce.length !== 30) return false;
      const p = period();
      const given = new TextEncoder().encode(nonce);
      for (const q of [p, p - 1]) {
        if (safeEqual(given, new TextEncoder().encode(await make(q)))) return true;
      }
      return false;
    },
  };
}
