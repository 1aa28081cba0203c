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

/** Raised by {@link withDeadline} when the awaited call did not settle in time; internal. */
export class DeadlineError extends Error {
  override readonly name = "DeadlineError";
}

/**
 * Settles with `pending`, or rejects with a {@link DeadlineError} naming `what` after
 * `seconds`; a late outcome is dropped (a late rejection is caught, never unhandled). A value
 * that is not a promise is returned as is (no timer, no microtask). Internal.
 */
export function withDeadline<T>(
  pending: MaybePromise<T>,
  seconds: number,
  what: string,
): MaybePromise<T> {
  if (!isPromiseLike(pending)) return pending;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new DeadlineError(`${what} did not answer within ${seconds} s`)),
      seconds * 1000,
    );
    pending.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
