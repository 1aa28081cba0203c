/** A value now, or a promise of it; internal. */
export type MaybePromise<T> = T | PromiseLike<T>;

/**
 * Whether `value` is a promise (any thenable) — realm-safe, unlike `instanceof Promise`: a
 * promise made by another realm's WebCrypto (Vercel's edge runtime, `node:vm`) is not an
 * instance of this realm's `Promise`. Internal.
 */
export function isPromiseLike<T>(value: MaybePromise<T>): value is PromiseLike<T> {
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function"
  );
}
