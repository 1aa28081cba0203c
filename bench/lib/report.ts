/**
 * Shared reporting for the benchmarks: a section is printed as markdown on stdout and, when
 * `BENCH_REPORT` names a file (set by `bench/run.ts`), also written there as JSON so the
 * runner can assemble BENCHMARKS.md from child processes.
 */
import { writeFileSync } from "node:fs";

/** One goal (issues 6 and 13) and whether this run met it. */
export interface Check {
  goal: string;
  measured: string;
  pass: boolean;
}

/** What one benchmark script reports. */
export interface Section {
  /** Stable id (`verify`, `herd`, `flood`, `http`). */
  id: string;
  title: string;
  /** Markdown body: tables and the method notes of this run. */
  markdown: string;
  checks: Check[];
}

/** Microseconds with a precision that fits the magnitude. */
export function us(n: number): string {
  if (!Number.isFinite(n)) return "–";
  if (n < 10) return n.toFixed(2);
  if (n < 100) return n.toFixed(1);
  return n.toFixed(0);
}

/** `12.3 MB` from bytes. */
export function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** A markdown table; the first row holds the column names. */
export function table(rows: ReadonlyArray<ReadonlyArray<string>>, align?: string): string {
  const [head, ...body] = rows;
  if (!head) return "";
  const sep = align ?? head.map(() => "---").join("|");
  const line = (cells: ReadonlyArray<string>) => `| ${cells.join(" | ")} |`;
  return [line(head), `|${sep}|`, ...body.map(line)].join("\n");
}

/** The goal table of a section. */
export function checkTable(checks: readonly Check[]): string {
  return table([
    ["goal", "measured", "result"],
    ...checks.map((c) => [c.goal, c.measured, c.pass ? "**PASS**" : "**MISS**"]),
  ]);
}

/** Prints the section and hands it to the runner when one is listening. */
export function emit(section: Section): void {
  process.stdout.write(`\n## ${section.title}\n\n${section.markdown}\n\n`);
  if (section.checks.length > 0) process.stdout.write(`${checkTable(section.checks)}\n\n`);
  const out = process.env.BENCH_REPORT;
  if (out) writeFileSync(out, JSON.stringify(section, null, 2));
}

/** `global.gc` when the process runs with `--expose-gc`. */
export function gcIfExposed(): boolean {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== "function") return false;
  gc();
  gc();
  return true;
}

/** Lets pending timers and I/O settle (e.g. between GC and an RSS reading). */
export function settle(ms = 50): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
