/** Longest delay `setTimeout` accepts (about 24.8 days); longer waits re-arm. */
const MAX_DELAY = 2_147_483_647;

/**
 * Wraps a subscription's event stream so that it ends at `expiresAt` (ms since the epoch):
 * the consumer gets `last()` as a final event, then the stream completes and the source is
 * closed (`return()`), so the server stops producing events for an expired token. With
 * `dropLate`, an event the source produces at or after `expiresAt` (before the timer fired)
 * is replaced by `last()` too. Internal.
 */
export function endAtExpiry<T>(
  source: AsyncIterable<T>,
  expiresAt: number,
  last: () => T,
  options: { dropLate?: boolean } = {},
): AsyncIterableIterator<T> {
  const it = source[Symbol.asyncIterator]();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let state: "open" | "expired" | "closed" = "open";
  const expiry = new Promise<"expired">((resolve) => {
    const arm = () => {
      const left = expiresAt - Date.now();
      if (left <= 0) resolve("expired");
      else timer = setTimeout(arm, Math.min(left, MAX_DELAY));
    };
    arm();
  });
  const close = () => {
    state = "closed";
    if (timer !== undefined) clearTimeout(timer);
    return Promise.resolve(it.return?.()).then(
      () => {},
      () => {},
    );
  };
  const done = (): IteratorResult<T> => ({ done: true, value: undefined });

  return {
    async next(): Promise<IteratorResult<T>> {
      if (state !== "open") return done();
      const step = await Promise.race([it.next(), expiry]);
      if (state !== "open") return done();
      if (step === "expired" || (options.dropLate && Date.now() >= expiresAt)) {
        state = "expired";
        void close();
        return { done: false, value: last() };
      }
      if (step.done) {
        state = "closed";
        if (timer !== undefined) clearTimeout(timer);
      }
      return step;
    },
    async return(): Promise<IteratorResult<T>> {
      if (state === "open") await close();
      state = "closed";
      return done();
    },
    async throw(error?: unknown): Promise<IteratorResult<T>> {
      if (state === "open") await close();
      state = "closed";
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
