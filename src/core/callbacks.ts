import {
  AuthError,
  ConfigurationError,
  ServerError,
  TemporarilyUnavailableError,
} from "./errors.js";
import { checkIssuerUrl, domainToIssuer } from "./issuer-url.js";
import { DeadlineError, isPromiseLike, type MaybePromise, withDeadline } from "./maybe.js";
import type { NonceProvider } from "./nonce.js";
import type { IssuerResolver, IssuerResolverInput } from "./types.js";

/**
 * User callbacks that decide per request — issuer resolvers and nonce providers — wrapped
 * with deadlines (a promise that does not settle is a 503, never a hang) and, for
 * resolvers, an O(1) answer; internal.
 */

/**
 * The provider with a deadline on each call: one that has not answered in `seconds` (or
 * rejects) makes the request a 503 with `Retry-After`, never a hang.
 */
export function boundedNonce(provider: NonceProvider, seconds: number): NonceProvider {
  const bounded = <T>(call: () => MaybePromise<T>): T | Promise<T> => {
    let pending: MaybePromise<T>;
    try {
      pending = withDeadline(call(), seconds, "the DPoP nonce provider");
    } catch (cause) {
      throw nonceUnavailable(cause);
    }
    if (!isPromiseLike(pending)) return pending;
    return Promise.resolve(pending).catch((cause: unknown) => {
      throw nonceUnavailable(cause);
    });
  };
  return {
    current: () => bounded(() => provider.current()),
    isValid: (nonce) => bounded(() => provider.isValid(nonce)),
  };
}

function nonceUnavailable(cause: unknown): TemporarilyUnavailableError {
  return new TemporarilyUnavailableError("the DPoP nonce provider is temporarily unavailable", {
    reason: "nonce_unavailable",
    cause,
    headers: { "Retry-After": "1" },
  });
}

/** Raw resolver entries normalised so far, at most (cleared when full). */
const MAX_NORMALISED = 10_000;

/**
 * The resolver as a per-request O(1) issuer check: a boolean answer is taken for the
 * unverified issuer (which must be well formed); a list is normalised once per array object
 * and length and checked as a Set; a promise is awaited within `seconds` (else a 503).
 */
export function wrapResolver(
  resolver: IssuerResolver,
  domains: boolean,
  seconds: number,
): (input: IssuerResolverInput) => MaybePromise<(issuer: string) => boolean> {
  const option = domains ? "domains" : "issuers";
  const normalise = (v: unknown, i: number) =>
    domains
      ? domainToIssuer(String(v), `${option}[${i}]`)
      : checkIssuerUrl(String(v), `${option}[${i}]`);
  const lists = new WeakMap<readonly unknown[], { length: number; set: ReadonlySet<string> }>();
  const seen = new Map<string, string>();
  const normaliseOnce = (v: unknown, i: number) => {
    const raw = String(v);
    let out = seen.get(raw);
    if (out === undefined) {
      out = normalise(raw, i);
      if (seen.size >= MAX_NORMALISED) seen.clear();
      seen.set(raw, out);
    }
    return out;
  };
  const wellFormed = (iss: string) => {
    try {
      return domains
        ? domainToIssuer(new URL(iss).host, option) === iss
        : checkIssuerUrl(iss, option) === iss;
    } catch {
      return false;
    }
  };
  const toCheck = (answer: unknown): ((issuer: string) => boolean) => {
    if (answer === true) return wellFormed;
    if (answer === false) return () => false;
    if (!Array.isArray(answer)) {
      throw new ConfigurationError(option, "the resolver must return an array or a boolean");
    }
    let entry = lists.get(answer);
    if (!entry || entry.length !== answer.length) {
      entry = { length: answer.length, set: new Set(answer.map(normaliseOnce)) };
      lists.set(answer, entry);
    }
    const set = entry.set;
    return (iss) => set.has(iss);
  };
  return (input) => {
    const answer = withDeadline(resolver(input), seconds, `the ${option} resolver`);
    if (!isPromiseLike(answer)) return toCheck(answer);
    return Promise.resolve(answer).then(toCheck, (cause: unknown) => {
      throw callbackFailure(
        cause,
        {
          description: "the issuer resolver is temporarily unavailable",
          reason: "resolver_unavailable",
        },
        { description: "internal error while resolving the allowed issuers", reason: "internal" },
      );
    });
  };
}

/**
 * The error of a user callback that failed (a resolver, a policy); internal: an
 * {@link AuthError} as it is, a missed deadline as a 503 `temporarily_unavailable` with
 * `Retry-After: 1`, anything else as a 500 with its cause kept (never an allow, never a 401).
 */
export function callbackFailure(
  cause: unknown,
  unavailable: { description: string; reason: AuthError["reason"] },
  failed: { description: string; reason: AuthError["reason"] },
): AuthError {
  if (cause instanceof AuthError) return cause;
  if (cause instanceof DeadlineError) {
    return new TemporarilyUnavailableError(unavailable.description, {
      reason: unavailable.reason,
      cause,
      headers: { "Retry-After": "1" },
    });
  }
  return new ServerError(failed.description, { reason: failed.reason, cause });
}
