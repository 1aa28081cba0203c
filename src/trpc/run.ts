import { TRPCError } from "@trpc/server";
import { type AuthState, ConfigurationError, type ScopeArgs } from "scopegate";
import { isAuthError, toTRPCError } from "./errors.js";
import { assertStillValid, endOnExpiry } from "./expiry.js";
import type { AuthenticatedContext, AuthMiddlewareOptions, MiddlewareResultOf } from "./types.js";

/**
 * The body every scopegate middleware shares: run `check` against `ctx.auth` (an `AuthError`
 * becomes a `TRPCError`; its headers were already written to the response by the core),
 * continue with `{ claims, token }`, and end a subscription's stream when the token expires.
 */
export async function authorize<Claims, Out>(
  opts: AuthMiddlewareOptions<Claims>,
  check: (auth: AuthState<Claims>) => Promise<Out>,
): MiddlewareResultOf<AuthenticatedContext<Out>> {
  const auth = authOf(opts.ctx);
  let claims: Out;
  try {
    claims = await check(auth);
    assertStillValid(auth);
  } catch (error) {
    throw isAuthError(error) ? toTRPCError(error) : error;
  }
  // require() succeeded, so the request carried a token.
  const token = auth.token ?? "";
  const result = await opts.next({ ctx: { claims, token } });
  if (opts.type !== "subscription" || !result.ok) return result;
  return { ...result, data: endOnExpiry(result.data, auth, opts.signal) };
}

/** `ctx.auth`, or a loud server error when the context was not built by `createAuthContext`. */
function authOf<Claims>(ctx: { auth?: AuthState<Claims> } | undefined): AuthState<Claims> {
  const auth = ctx?.auth;
  if (auth && typeof auth.require === "function") return auth;
  // Fail closed: a misconfigured server must not serve a protected procedure.
  throw new TRPCError({
    code: "INTERNAL_SERVER_ERROR",
    message: "scopegate: ctx.auth is missing; use `createContext: auth.createAuthContext`",
  });
}

/**
 * Flattens `"a"`, `["a", "b"]`, `"a", "b"` and space-separated `"a b"` into one list, once, when
 * the middleware is created. No scope at all is a programmer error (an empty "all of" would
 * let every token through), so it throws a `ConfigurationError` naming the function.
 */
export function scopeList(fn: string, args: ScopeArgs): readonly string[] {
  const noun = fn === "requirePermissions" ? "permission" : "scope";
  const out = new Set<string>();
  for (const arg of args) {
    const items: readonly unknown[] = Array.isArray(arg) ? arg : [arg];
    for (const item of items) {
      if (typeof item !== "string") {
        throw new ConfigurationError(fn, `${noun}s must be strings, got ${typeof item}`);
      }
      for (const s of item.split(/\s+/)) {
        if (s.includes(",")) {
          throw new ConfigurationError(
            fn,
            `${JSON.stringify(s)} has a comma: ${noun}s are separated by spaces (RFC 6749 §3.3); write ${fn}(${s
              .split(",")
              .filter(Boolean)
              .map((x) => JSON.stringify(x))
              .join(", ")})`,
          );
        }
        if (s) out.add(s);
      }
    }
  }
  if (out.size === 0) {
    throw new ConfigurationError(fn, `give at least one ${noun}, e.g. ${fn}("read:messages")`);
  }
  return [...out];
}
