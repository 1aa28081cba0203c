import {
  type AuthLevel,
  ConfigurationError,
  InsufficientUserAuthenticationError,
} from "./errors.js";

/**
 * Step-up authentication (RFC 9470): is the login behind a token strong enough (`acr`) and
 * fresh enough (`auth_time`)? Internal, except {@link AUTH0_MFA_ACR}.
 */

/**
 * The `acr` value Auth0 puts in tokens of a multi-factor login (and that a client sends as
 * `acr_values` to ask for one). A requirement listing it is also met by `amr` holding
 * `"mfa"`, which is how Auth0 marks an MFA login in its tokens.
 *
 * @example
 * ```ts
 * protectedProcedure.use(requireAuthLevel({ acr: [AUTH0_MFA_ACR] }));
 * ```
 */
export const AUTH0_MFA_ACR = "http://schemas.openid.net/pape/policies/2007/06/multi-factor";

const isTime = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const ACR_VALUE = /^[\x21-\x7e]+$/;

/**
 * Validates a level once (when a middleware is created or a schema transformed): `acr` a
 * non-empty list of non-empty values without spaces, `maxAge` a non-negative integer, at
 * least one of them. Throws a `ConfigurationError` naming `where`; returns a frozen copy.
 *
 * @example
 * ```ts
 * const level = checkAuthLevel({ acr: [AUTH0_MFA_ACR], maxAge: 300 }, "requireAuthLevel");
 * ```
 */
export function checkAuthLevel(level: unknown, where: string): AuthLevel {
  if (typeof level !== "object" || level === null) {
    throw new ConfigurationError(where, "expects { acr?: string[], maxAge?: seconds }");
  }
  const { acr, maxAge } = level as { acr?: unknown; maxAge?: unknown };
  if (acr === undefined && maxAge === undefined) {
    throw new ConfigurationError(
      where,
      "give acr (accepted acr values) and / or maxAge (seconds since the login)",
    );
  }
  let list: string[] | undefined;
  if (acr !== undefined) {
    const items = typeof acr === "string" ? [acr] : acr;
    if (!Array.isArray(items) || items.length === 0) {
      throw new ConfigurationError(`${where}.acr`, "must be a non-empty list of acr values");
    }
    list = [];
    for (const v of items) {
      if (typeof v !== "string" || !ACR_VALUE.test(v)) {
        throw new ConfigurationError(
          `${where}.acr`,
          `${JSON.stringify(v)} is not an acr value (a non-empty string without spaces)`,
        );
      }
      list.push(v);
    }
  }
  if (maxAge !== undefined && (!Number.isInteger(maxAge) || (maxAge as number) < 0)) {
    throw new ConfigurationError(`${where}.maxAge`, "must be a whole number of seconds (≥ 0)");
  }
  return Object.freeze({
    ...(list ? { acr: Object.freeze([...new Set(list)]) } : {}),
    ...(maxAge !== undefined ? { maxAge: maxAge as number } : {}),
  });
}

/**
 * Why `payload` does not meet `level`, or `null` when it does.
 *
 * - `acr`: the token's `acr` is one of the listed values; a list holding
 *   {@link AUTH0_MFA_ACR} is also met by `amr` containing `"mfa"`.
 * - `maxAge`: `auth_time` is present and `now - auth_time <= maxAge` — exactly `maxAge`
 *   seconds passes, one more fails. `clockTolerance` is not added to `maxAge` (it is the
 *   API's bound); it only lets an `auth_time` up to `clockTolerance` seconds in the future
 *   count as "now". One further in the future fails like a too-old login.
 */
export function authLevelError(
  payload: Record<string, unknown>,
  level: AuthLevel,
  now: number,
  clockTolerance: number,
): InsufficientUserAuthenticationError | null {
  const fail = (description: string, reason: InsufficientUserAuthenticationError["reason"]) =>
    new InsufficientUserAuthenticationError(description, { reason, authLevel: level });
  if (level.acr) {
    const acr = payload.acr;
    const amr = payload.amr;
    const ok =
      (typeof acr === "string" && level.acr.includes(acr)) ||
      (level.acr.includes(AUTH0_MFA_ACR) && Array.isArray(amr) && amr.includes("mfa"));
    if (!ok) {
      return fail(
        `a stronger login is required (acr ${level.acr.join(" or ")})`,
        "acr_not_satisfied",
      );
    }
  }
  if (level.maxAge !== undefined) {
    const authTime = payload.auth_time;
    if (!isTime(authTime)) {
      return fail("a recent login is required (the token has no auth_time)", "auth_time_missing");
    }
    const age = now - authTime;
    if (age > level.maxAge || authTime > now + clockTolerance) {
      return fail(
        `a more recent login is required (at most ${level.maxAge} seconds ago)`,
        "auth_too_old",
      );
    }
  }
  return null;
}
