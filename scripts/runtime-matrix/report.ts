/**
 * The runtime matrix's rows and what it prints: each row (one runtime, its results by part) as
 * it finishes, then the summary table, the failing cases and results.json.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  type CaseResult,
  describeError,
  RESULTS_MARKER,
  type SuiteReport,
} from "../../test/runtimes/cases.js";
import { only, wanted, work } from "./options.js";

/** A row of the matrix: one runtime, its results by part. */
export interface Row {
  name: string;
  version: string;
  detail: string;
  parts: Record<string, CaseResult[]>;
  ms: number;
}
const rows: Row[] = [];

/** One failed case standing for a part that could not run. */
export const failed = (name: string, error: unknown): CaseResult[] => [
  { name, ok: false, ms: 0, detail: describeError(error) },
];

/** The report a script entry printed (its marked line). */
export function parseReport(output: string): SuiteReport {
  const line = output.split("\n").find((l) => l.startsWith(RESULTS_MARKER));
  if (!line) throw new Error(`no report in the output:\n${output.slice(-3000)}`);
  return JSON.parse(line.slice(RESULTS_MARKER.length)) as SuiteReport;
}

/** Runs the shared suite served over HTTP (`GET /suite` of a Worker or an edge script). */
export async function fetchSuiteReport(
  origin: string,
  network: string,
  log: () => string = () => "",
): Promise<SuiteReport> {
  const res = await fetch(`${origin}/suite?network=${encodeURIComponent(network)}`, {
    signal: AbortSignal.timeout(120_000),
  });
  const text = await res.text();
  if (res.status !== 200)
    throw new Error(`GET /suite answered ${res.status}: ${text.slice(0, 2000)}${log()}`);
  return JSON.parse(text) as SuiteReport;
}

/** How the runtime describes itself, and whether the core could take its node:crypto path. */
const cryptoPath = (report: SuiteReport) =>
  `${/^(node|bun|deno) /.test(report.runtime) ? "" : `${report.runtime}; `}${report.nodeCrypto ? "node:crypto present" : "no node:crypto, WebCrypto only"}`;

/** Records the shared suite's report: its results, and the crypto path ahead of the detail. */
export function addSuite(r: Row, report: SuiteReport): void {
  r.detail = r.detail ? `${cryptoPath(report)}; ${r.detail}` : cryptoPath(report);
  r.parts.suite = report.results;
}

function print(row: Row): void {
  console.log(`\n== ${row.name}: ${row.version}${row.detail ? ` (${row.detail})` : ""}`);
  for (const [part, results] of Object.entries(row.parts)) {
    console.log(`  -- ${part}`);
    for (const r of results) {
      console.log(
        `  ${r.ok ? "PASS" : "FAIL"}  ${r.name} (${r.ms} ms)${r.ok ? "" : `\n          ${r.detail}`}`,
      );
    }
  }
}

/** Runs one row (unless --only leaves it out) and prints it; a throw fails its set-up. */
export async function row(
  name: string,
  version: string,
  body: (row: Row) => Promise<void>,
): Promise<void> {
  if (!wanted(name)) return;
  const r: Row = { name, version, detail: "", parts: {}, ms: 0 };
  const started = Date.now();
  try {
    await body(r);
  } catch (error) {
    r.parts.setup = failed("runtime set-up", error);
  }
  r.ms = Date.now() - started;
  rows.push(r);
  print(r);
}

const count = (results: CaseResult[] | undefined) =>
  results ? `${results.filter((r) => r.ok).length}/${results.length}` : "-";

/**
 * Prints the summary, the timings and the failing cases, writes results.json; returns the
 * exit code (`exitCode`, or 1 on a failing case or when --only matched nothing).
 */
export async function summarize(timings: string[], began: number, exitCode: number) {
  console.log("\n== summary");
  console.log(
    `${"runtime".padEnd(16)}${"suite".padEnd(8)}${"hosts".padEnd(8)}${"testing".padEnd(9)}${"setup".padEnd(7)}time`,
  );
  for (const r of rows) {
    const hosts = Object.entries(r.parts)
      .filter(([k]) => k.startsWith("examples/"))
      .flatMap(([, v]) => v);
    console.log(
      `${r.name.padEnd(16)}${count(r.parts.suite).padEnd(8)}${(hosts.length ? count(hosts) : "-").padEnd(8)}${count(r.parts["scopegate/testing"]).padEnd(9)}${(r.parts.setup ? "FAIL" : "ok").padEnd(7)}${(r.ms / 1000).toFixed(1)} s`,
    );
  }
  const failures = rows.flatMap((r) =>
    Object.values(r.parts)
      .flat()
      .filter((c) => !c.ok)
      .map((c) => `${r.name}: ${c.name}`),
  );
  let code = exitCode;
  if (only && rows.length === 0) {
    console.log(`no runtime matches --only=${only.join(",")}`);
    code = 1;
  }
  timings.push(`total ${((Date.now() - began) / 1000).toFixed(1)} s`);
  console.log(timings.join("; "));
  await writeFile(join(work, "results.json"), `${JSON.stringify(rows, null, 2)}\n`).catch(() => {});
  if (failures.length > 0) {
    console.log(`\n${failures.length} failing case(s):\n  ${failures.join("\n  ")}`);
    code = 1;
  } else if (code === 0) {
    console.log("\nruntime matrix passed");
  }
  return code;
}
