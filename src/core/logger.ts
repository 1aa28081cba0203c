/**
 * Where scopegate reports what an operator must know and a client must not: a key source
 * that fails, keys dropped from a JWKS. Console-compatible (`console` itself fits). Messages
 * never hold a token, a proof or a secret; issuer names are quoted and cut to 200 characters.
 *
 * @example
 * ```ts
 * createAuth({ domain, audience, logger: pino() });   // or console (the default), or false
 * ```
 */
export interface Logger {
  /** Something is wrong and requests are refused because of it (e.g. an issuer's keys fail). */
  warn(message: string, ...details: unknown[]): void;
  /** Details for debugging (not sent by the default logger). */
  debug?(message: string, ...details: unknown[]): void;
}

/** The logger in use; internal. `false` silences everything. */
export type ResolvedLogger = Required<Logger>;

const noop = () => {};

/** The configured logger with every level present; internal. */
export function resolveLogger(given: Logger | false | undefined): ResolvedLogger {
  if (given === false) return { warn: noop, debug: noop };
  if (given === undefined) {
    return { warn: (m, ...d) => console.warn(m, ...d), debug: noop };
  }
  return {
    warn: (m, ...d) => given.warn(m, ...d),
    debug: given.debug ? (m, ...d) => given.debug?.(m, ...d) : noop,
  };
}

/** An attacker-influenced value (an issuer) made safe for a log line; internal. */
export function quoted(value: string): string {
  const cut = value.length > 200 ? `${value.slice(0, 200)}…` : value;
  return JSON.stringify(cut);
}

/** The message chain of an error (its causes), without stacks; internal. */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  let e: unknown = error;
  for (let i = 0; i < 4 && e !== undefined && e !== null; i++) {
    const url = e instanceof Error && "url" in e && typeof e.url === "string" ? ` (${e.url})` : "";
    parts.push(`${e instanceof Error ? e.message : String(e)}${url}`);
    e = e instanceof Error ? e.cause : undefined;
  }
  return parts.join(": ");
}
