import { vi } from "vitest";

/**
 * A controlled clock for one test: only `Date` is faked (sockets, real timers and
 * `AbortSignal.timeout` keep running), and it stands still until the test moves it. The
 * library reads `Date.now()` for every cache, retry, nonce and expiry window, so those move
 * only when the test says so — not with the load of the machine.
 *
 * The fake is global to the worker: tests using it must not run concurrently with tests
 * that read the clock. Restored when the test finishes.
 */
export function controlledDate(onTestFinished: (fn: () => void) => void, at = Date.now()) {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(at);
  onTestFinished(() => {
    vi.useRealTimers();
  });
  return {
    /** Moves the clock forward by `ms`. */
    advance: (ms: number) => vi.setSystemTime(Date.now() + ms),
    /** Sets the clock to `ms` since the epoch. */
    set: (ms: number) => vi.setSystemTime(ms),
  };
}

/** Resolves once `check()` holds — a real event, polled — or throws after `tries` polls. */
export async function until(check: () => boolean | Promise<boolean>, tries = 400): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`condition not met after ${tries} polls`);
}
