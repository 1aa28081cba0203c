/**
 * The runtime matrix's case runner, shared by the in-runtime suite (suite.ts), the
 * scopegate/testing check and the driver's HTTP checks of the host examples. Imports nothing:
 * it runs in every runtime as it is.
 */

/** One case's outcome. */
export interface CaseResult {
  name: string;
  ok: boolean;
  ms: number;
  detail?: string;
}

/** A named case: throws (anything) to fail. */
export type Case = readonly [name: string, run: () => Promise<void>];

/** What a runtime entry prints before its report, so the driver can find it in stdout. */
export const RESULTS_MARKER = "@@scopegate-runtime-results ";

/** A failed expectation (its message is the whole story, no stack needed). */
export class Failure extends Error {}

/** Deep equality through JSON: fails with both values in the message. */
export function eq(actual: unknown, expected: unknown, what: string): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Failure(`${what}: expected ${e}, got ${a}`);
}

/** Rejects when `promise` has not settled within `ms`. */
export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Failure(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** How a thrown value reads in a report: one line, bounded. */
export function describeError(error: unknown): string {
  const text =
    error instanceof Failure
      ? error.message
      : error instanceof Error
        ? `threw ${error.name}: ${error.message}`
        : `threw ${String(error)}`;
  const line = text.split("\n")[0] ?? "";
  return line.length > 400 ? `${line.slice(0, 400)}…` : line;
}

/** Runs the cases one after the other, each within `timeoutMs`; never throws. */
export async function runCases(
  list: readonly Case[],
  timeoutMs: number,
  describe: (error: unknown) => string = describeError,
): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const [name, run] of list) {
    const started = Date.now();
    try {
      await withDeadline(run(), timeoutMs, name);
      results.push({ name, ok: true, ms: Date.now() - started });
    } catch (error) {
      results.push({ name, ok: false, ms: Date.now() - started, detail: describe(error) });
    }
  }
  return results;
}

/** The report each in-runtime entry prints (or answers): the runtime and the outcomes. */
export interface SuiteReport {
  runtime: string;
  /** `process.getBuiltinModule("node:crypto")` is there (the core may take its fast path). */
  nodeCrypto: boolean;
  results: CaseResult[];
}

/** The runtime as it describes itself. */
export function describeRuntime(): Omit<SuiteReport, "results"> {
  const g = globalThis as {
    Bun?: { version: string };
    Deno?: { version: { deno: string } };
    process?: { version?: string; getBuiltinModule?: (id: string) => unknown };
    navigator?: { userAgent?: string };
    EdgeRuntime?: unknown;
  };
  const runtime = g.Bun
    ? `bun ${g.Bun.version}`
    : g.Deno
      ? `deno ${g.Deno.version.deno}`
      : g.EdgeRuntime !== undefined
        ? `edge-runtime (EdgeRuntime=${String(g.EdgeRuntime)})`
        : g.process?.version && g.navigator?.userAgent !== "Cloudflare-Workers"
          ? `node ${g.process.version}`
          : (g.navigator?.userAgent ?? "unknown");
  let nodeCrypto = false;
  try {
    nodeCrypto = Boolean(g.process?.getBuiltinModule?.("node:crypto"));
  } catch {}
  return { runtime, nodeCrypto };
}
