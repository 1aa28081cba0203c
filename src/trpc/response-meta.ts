import type { ResponseMeta } from "@trpc/server/http";
import type { AuthState } from "scopegate";

/**
 * The part of tRPC's `responseMeta` options {@link authResponseMeta} reads: the context the
 * request ran with. tRPC's own options fit.
 *
 * @example
 * ```ts
 * authResponseMeta({ ctx, errors: [] });
 * ```
 */
export interface AuthResponseMetaOptions {
  /** The request's context; its `auth` (from `createAuthContext`) holds the pending headers. */
  ctx?: unknown;
}

function authOf(ctx: unknown): AuthState<unknown> | undefined {
  if (typeof ctx !== "object" || ctx === null) return undefined;
  const auth = (ctx as { auth?: unknown }).auth;
  return typeof auth === "object" &&
    auth !== null &&
    typeof (auth as Partial<AuthState<unknown>>).pendingHeaders === "function"
    ? (auth as AuthState<unknown>)
    : undefined;
}

/**
 * tRPC's `responseMeta` for adapters whose context cannot write response headers (AWS
 * Lambda): puts the headers the token check wants on the response — the `WWW-Authenticate`,
 * `DPoP-Nonce` and `Retry-After` of a refusal (401, 400, 403, 503), and those of a success
 * (a rotated `DPoP-Nonce`). It reads them from `ctx.auth.pendingHeaders()`; it never changes
 * the status (tRPC picks it from the `TRPCError`). On an adapter that has a sink (standalone,
 * Express, Fastify, fetch, Next.js) it adds nothing, so it is harmless there.
 *
 * Not covered: streamed responses (`httpBatchStreamLink`, subscriptions), whose headers tRPC
 * sends before any procedure runs. To add your own headers or status too, use
 * {@link withAuthResponseMeta}.
 *
 * @example
 * ```ts
 * export const handler = awsLambdaRequestHandler({
 *   router: appRouter,
 *   createContext: auth.createAuthContext,
 *   responseMeta: authResponseMeta,
 * });
 * ```
 */
export function authResponseMeta(opts: AuthResponseMetaOptions): ResponseMeta {
  const pending = authOf(opts.ctx)?.pendingHeaders();
  if (!pending) return {};
  let headers: Headers | undefined;
  for (const name in pending) {
    headers ??= new Headers();
    headers.set(name, pending[name] as string);
  }
  return headers ? { headers } : {};
}

/** Lays `own` over `headers` (a name `own` sets replaces the auth header of that name). */
function overlay(headers: Headers, own: NonNullable<ResponseMeta["headers"]>): void {
  // A Headers-like object (realm-safe: not instanceof, and forEach, which every lib has).
  if (
    typeof (own as Headers).forEach === "function" &&
    typeof (own as Headers).get === "function"
  ) {
    const seen = new Set<string>();
    (own as Headers).forEach((value, name) => {
      if (!seen.has(name)) headers.delete(name);
      seen.add(name);
      headers.append(name, value);
    });
    return;
  }
  for (const [name, value] of Object.entries(own)) {
    if (typeof value === "string") headers.set(name, value);
    else if (Array.isArray(value)) {
      headers.delete(name);
      for (const v of value) headers.append(name, v);
    }
  }
}

/**
 * Composes your own `responseMeta` with {@link authResponseMeta}: your status and headers,
 * plus the token check's headers (a header you set yourself wins over the check's one of the
 * same name).
 *
 * @example
 * ```ts
 * responseMeta: withAuthResponseMeta(({ type, errors }) =>
 *   type === "query" && errors.length === 0
 *     ? { headers: { "cache-control": "private, max-age=60" } }
 *     : {},
 * ),
 * ```
 */
export function withAuthResponseMeta<Opts extends AuthResponseMetaOptions>(
  responseMeta: (opts: Opts) => ResponseMeta,
): (opts: Opts) => ResponseMeta {
  return (opts) => {
    const own = responseMeta(opts);
    const auth = authResponseMeta(opts).headers;
    if (!(auth instanceof Headers)) return own;
    if (own.headers) overlay(auth, own.headers);
    return { ...own, headers: auth };
  };
}
