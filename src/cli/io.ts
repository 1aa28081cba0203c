import { type ParseArgsConfig, parseArgs } from "node:util";

/** Something text can be written to: `process.stdout`, or a test's collector. */
export interface TextSink {
  write(chunk: string): unknown;
}

/**
 * The outside world of one CLI run, passed in so that tests run `main` in-process.
 *
 * @example
 * ```ts
 * const controller = new AbortController();
 * const code = await main(["dev", "--port", "0"], {
 *   stdout: process.stdout,
 *   stderr: process.stderr,
 *   env: process.env,
 *   signal: controller.signal, // `dev` runs until this is aborted
 * });
 * ```
 */
export interface CliIo {
  /** Results (tokens, reports). */
  readonly stdout: TextSink;
  /** Errors and usage messages. */
  readonly stderr: TextSink;
  /** Environment: `SCOPEGATE_ISSUER`, `SCOPEGATE_AUDIENCE`, `AUTH0_DOMAIN`, `AUTH0_AUDIENCE`. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Stops long-running commands (`dev`); the entry point aborts it on SIGINT / SIGTERM. */
  readonly signal?: AbortSignal;
  /** Read by `inspect -` (the token from standard input, so it stays out of shell history). */
  readonly stdin?: AsyncIterable<string | Uint8Array>;
}

/** Exit codes of the CLI. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** A wrong command line: reported with a hint to `--help`, exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** Writes `lines` to `sink`, each followed by a newline. */
export function println(sink: TextSink, ...lines: string[]): void {
  sink.write(lines.map((line) => `${line}\n`).join(""));
}

/**
 * `parseArgs` in strict mode with `--help` added; its errors become {@link UsageError}s.
 */
export function parseCommand<O extends NonNullable<ParseArgsConfig["options"]>>(
  args: string[],
  options: O,
  allowPositionals = false,
) {
  try {
    return parseArgs({
      args,
      options: { ...options, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals,
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** Parses a whole number within bounds, or throws a {@link UsageError} naming the option. */
export function parseInteger(value: string, option: string, min: number, max: number): number {
  const n = /^-?\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`${option} must be a whole number from ${min} to ${max}, not "${value}"`);
  }
  return n;
}

const UNITS: Record<string, number> = { "": 1, s: 1, m: 60, min: 60, h: 3600, d: 86_400 };

/** `3600`, `90s`, `15m`, `1h`, `2d`, `-60` (already expired) → seconds. */
export function parseDuration(value: string, option: string): number {
  const match = /^(-?\d+)\s*(s|m|min|h|d)?$/i.exec(value.trim());
  const unit = UNITS[(match?.[2] ?? "").toLowerCase()];
  if (!match?.[1] || unit === undefined) {
    throw new UsageError(
      `${option} must be seconds or a duration like 90s, 15m, 1h, not "${value}"`,
    );
  }
  const seconds = Number(match[1]) * unit;
  if (!Number.isSafeInteger(seconds) || Math.abs(seconds) > 10 * 365 * 86_400) {
    throw new UsageError(`${option} is out of range: "${value}"`);
  }
  return seconds;
}

/** Splits a space- or comma-separated list, dropping empty entries. */
export function splitList(value: string): string[] {
  return value.split(/[\s,]+/).filter((item) => item !== "");
}

/** Quotes a value for a POSIX shell when it needs it (single quotes, `'` escaped). */
export function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
