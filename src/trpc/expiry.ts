import type { TRPCError } from "@trpc/server";
import { isObservable, observableToAsyncIterable } from "@trpc/server/observable";
import { type AuthState, InvalidTokenError } from "scopegate";
import { isAuthError, toTRPCError } from "./errors.js";

/**
 * How long a context stays trusted after its first authorisation when the token was already
 * past `exp` then (the core accepted it within its `clockTolerance`, 5 s by default).
 */
const GRACE_MS = 5_000;
/** setTimeout fires at once for delays above 2^31 - 1 ms; longer waits are chained. */
const MAX_TIMER_MS = 2_147_483_647;

interface Lifetime {
  /** `exp` of the token in ms, when it has one. */
  expMs: number | undefined;
  /** When a scopegate middleware first authorised this context. */
  firstSeen: number;
}

const lifetimes = new WeakMap<object, Lifetime>();

/**
 * When the context's token stops being trusted, in ms since the epoch: its `exp`; or, for a
 * token the core accepted only thanks to its clock tolerance, 5 s after the context was first
 * authorised. `undefined` for a token without `exp`. Call only after a successful `require()`.
 */
export function trustedUntil(auth: AuthState<unknown>): number | undefined {
  let life = lifetimes.get(auth);
  if (!life) {
    life = { expMs: auth.expiresAt(), firstSeen: Date.now() };
    lifetimes.set(auth, life);
  }
  if (life.expMs === undefined) return undefined;
  return life.expMs > life.firstSeen ? life.expMs : life.firstSeen + GRACE_MS;
}

function expiredError(): InvalidTokenError {
  return new InvalidTokenError("token expired", { reason: "token_expired" });
}

/**
 * Rejects (401 `invalid_token`, headers written to the response) when a context that outlives
 * one request — a WebSocket connection — is used after its token expired.
 */
export function assertStillValid(auth: AuthState<unknown>): void {
  const until = trustedUntil(auth);
  if (until !== undefined && Date.now() >= until) auth.fail(expiredError());
}

/** A single timer that can be re-armed past setTimeout's limit and cancelled. */
function alarm(at: number, fire: () => void): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    const wait = at - Date.now();
    if (wait <= 0) return fire();
    timer = setTimeout(arm, Math.min(wait, MAX_TIMER_MS));
    timer.unref?.();
  };
  arm();
  return () => clearTimeout(timer);
}

const EXPIRED = Symbol("expired");
const ABORTED = Symbol("aborted");
/** Streams already wrapped by {@link guard}. */
const guarded = new WeakSet<object>();

/**
 * Yields what `source` yields until `deadline`, then throws `onExpiry()`. When it stops early
 * (expiry, `signal` aborted, consumer gone) it returns the source iterator without waiting for
 * it: a generator blocked on an event that never comes could never answer. One timer per
 * stream; no promise piles up listeners however many values pass.
 */
async function* guard<T>(
  source: AsyncIterable<T>,
  deadline: number,
  onExpiry: () => Error,
  signal?: AbortSignal,
): AsyncGenerator<T, void, undefined> {
  const iterator = source[Symbol.asyncIterator]();
  if (Date.now() >= deadline) {
    release(iterator);
    throw onExpiry();
  }
  let stop: typeof EXPIRED | typeof ABORTED | undefined;
  let wake: ((value: typeof EXPIRED | typeof ABORTED) => void) | undefined;
  const interrupt = (reason: typeof EXPIRED | typeof ABORTED) => {
    stop ??= reason;
    wake?.(stop);
  };
  const cancel = alarm(deadline, () => interrupt(EXPIRED));
  const onAbort = () => interrupt(ABORTED);
  signal?.addEventListener("abort", onAbort, { once: true });
  if (signal?.aborted) onAbort();
  let done = false;
  try {
    while (true) {
      const step = await new Promise<IteratorResult<T> | typeof EXPIRED | typeof ABORTED>(
        (resolve, reject) => {
          wake = resolve;
          if (stop) return resolve(stop);
          iterator.next().then(resolve, reject);
        },
      );
      wake = undefined;
      if (stop === EXPIRED) throw onExpiry();
      if (stop === ABORTED) return;
      if (typeof step === "symbol") return;
      if (step.done) {
        done = true;
        return;
      }
      yield step.value;
    }
  } finally {
    cancel();
    signal?.removeEventListener("abort", onAbort);
    if (!done) release(iterator);
  }
}

/** Asks the source to clean up (its `finally` blocks) without waiting for it. */
function release(iterator: AsyncIterator<unknown>): void {
  try {
    Promise.resolve(iterator.return?.()).catch(() => {});
  } catch {
    // a source that throws from return() has nothing left to clean up
  }
}

function expiryTRPCError(): TRPCError {
  return toTRPCError(expiredError());
}

/**
 * Ends a subscription's result (an async iterable or an observable) with an `UNAUTHORIZED`
 * `TRPCError` when the context's token expires. Other values are returned as they are.
 */
export function endOnExpiry(
  data: unknown,
  auth: AuthState<unknown>,
  signal: AbortSignal | undefined,
): unknown {
  const deadline = trustedUntil(auth);
  // Several scopegate middleware on one procedure: the innermost one guards the stream.
  if (deadline === undefined || guarded.has(data as object)) return data;
  let stream: AsyncIterable<unknown>;
  if (isObservable(data)) {
    stream = observableToAsyncIterable(data, signal ?? new AbortController().signal);
  } else if (isAsyncIterableValue(data)) {
    stream = data;
  } else {
    return data;
  }
  const result = guard(stream, deadline, expiryTRPCError, signal);
  guarded.add(result);
  return result;
}

function isAsyncIterableValue(value: unknown): value is AsyncIterable<unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator] === "function"
  );
}

/**
 * Authenticates a subscription and ends it when the access token expires, for a subscription
 * that is not behind {@link requireAuth} (the scopegate middleware do this by themselves).
 * The returned iterable first calls `ctx.auth.require()` (no valid token: an `UNAUTHORIZED`
 * `TRPCError`), then yields what `source` yields until the token's `exp`, and then throws an
 * `UNAUTHORIZED` `TRPCError` (cause: 401 `invalid_token`, reason `token_expired`). The
 * client has to subscribe again with a fresh token.
 *
 * Pass the subscription's `signal` so the stream stops at once when the client goes away.
 * The authentication runs when the stream is first read (after tRPC has told the client it
 * started); the middleware refuse earlier, before the resolver runs.
 *
 * Not checked: scopes (use `ctx.auth.requireScopes()` in the resolver, or the middleware).
 *
 * @example
 * ```ts
 * onMessage: t.procedure.subscription(({ ctx, signal }) =>
 *   untilTokenExpires(ctx, on(emitter, "message", { signal }), signal),
 * ),
 * ```
 */
export async function* untilTokenExpires<T>(
  ctx: { auth: AuthState<unknown> },
  source: AsyncIterable<T>,
  signal?: AbortSignal,
): AsyncGenerator<T, void, undefined> {
  try {
    await ctx.auth.require();
  } catch (error) {
    throw isAuthError(error) ? toTRPCError(error) : error;
  }
  const deadline = trustedUntil(ctx.auth);
  yield* deadline === undefined ? source : guard(source, deadline, expiryTRPCError, signal);
}
