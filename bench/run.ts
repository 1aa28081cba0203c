/**
 * Runs every benchmark in sequence, each in its own child process (clean heap and RSS,
 * `--expose-gc`), and prints their tables; `--write` also puts them into BENCHMARKS.md
 * (between the `bench:results` markers; the notes around them are kept).
 *
 *   npx tsx bench/run.ts [--write] [--only verify,herd,flood,abuse,http] [--max-load 1.5] [--wait 600]
 *                        [--nice -10]
 *
 * On a shared machine the numbers are only as good as the quiet: before the timing benchmarks
 * (verify, http) the runner waits (up to `--wait` seconds) for the 1-minute load average to drop under
 * `--max-load`, and records the load it ran at. `--nice N` runs the benchmarks (and the
 * processes they start) at that scheduling priority (negative values need root), so that other
 * work on a shared machine disturbs them less.
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Check, checkTable, type Section, settle, table } from "./lib/report.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BENCHMARKS_MD = join(ROOT, "BENCHMARKS.md");
const START = "<!-- bench:results:start -->";
const END = "<!-- bench:results:end -->";
const ALL = ["verify", "herd", "flood", "abuse", "http"] as const;
type BenchId = (typeof ALL)[number];
const TIMEOUT_MS = 30 * 60 * 1000;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? undefined : process.argv[i + 1];
}

const write = process.argv.includes("--write");
const only = (arg("only")?.split(",") ?? [...ALL]).filter((id): id is BenchId =>
  (ALL as readonly string[]).includes(id),
);
const maxLoad = Number(arg("max-load") ?? 1.5);
const maxWait = Number(arg("wait") ?? 600);
const nice = Number(arg("nice") ?? 0);
let niceApplied: number | undefined;
const hasNice = nice !== 0 && sh("nice", ["-n", String(nice), "true"]) !== undefined;
if (nice !== 0 && !hasNice) process.stderr.write(`run: cannot run at nice ${nice}; using 0\n`);

async function waitForQuiet(id: string): Promise<number> {
  const until = Date.now() + maxWait * 1000;
  let load = loadavg()[0] ?? 0;
  if (load >= maxLoad) {
    process.stderr.write(`run: load ${load.toFixed(2)} ≥ ${maxLoad}; waiting before ${id}…\n`);
  }
  while (load >= maxLoad && Date.now() < until) {
    await settle(5_000);
    load = loadavg()[0] ?? 0;
  }
  return load;
}

interface Outcome {
  id: BenchId;
  /** `git rev-parse --short HEAD` when the benchmark started (the tree is shared and moves). */
  commit: string;
  section: Section | undefined;
  code: number | null;
  seconds: number;
  loadBefore: number;
  loadAfter: number;
}

/** Benchmarks whose numbers depend on a quiet CPU (herd and flood count fetches and bytes). */
const NEEDS_QUIET: readonly BenchId[] = ["verify", "http"];

async function runOne(id: BenchId, dir: string): Promise<Outcome> {
  const loadBefore = NEEDS_QUIET.includes(id) ? await waitForQuiet(id) : (loadavg()[0] ?? 0);
  const report = join(dir, `${id}.json`);
  const commit = headCommit();
  process.stderr.write(`\nrun: ${id} (load ${loadBefore.toFixed(2)})\n`);
  const t0 = performance.now();
  const node = [
    process.execPath,
    "--expose-gc",
    "--import",
    "tsx",
    join(ROOT, "bench", `${id}.ts`),
  ];
  // `nice` (coreutils) starts the whole process, every thread of it, at the lower niceness.
  const [cmd, ...args] = nice !== 0 && hasNice ? ["nice", "-n", String(nice), ...node] : node;
  const child = spawn(cmd ?? process.execPath, args, {
    cwd: ROOT,
    stdio: "inherit",
    env: { ...process.env, BENCH_REPORT: report },
  });
  if (nice !== 0 && hasNice) niceApplied = nice;
  const timer = setTimeout(() => child.kill("SIGKILL"), TIMEOUT_MS);
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  clearTimeout(timer);
  const section = existsSync(report)
    ? (JSON.parse(readFileSync(report, "utf8")) as Section)
    : undefined;
  return {
    id,
    commit,
    section,
    code,
    seconds: (performance.now() - t0) / 1000,
    loadBefore,
    loadAfter: loadavg()[0] ?? 0,
  };
}

function sh(cmd: string, args: string[]): string | undefined {
  try {
    return execFileSync(cmd, args, { cwd: ROOT, encoding: "utf8" }).trim();
  } catch {
    return undefined;
  }
}

function headCommit(): string {
  const head = sh("git", ["rev-parse", "--short", "HEAD"]) ?? "?";
  return sh("git", ["status", "--porcelain", "--", "src"])
    ? `${head} + uncommitted src/ changes`
    : head;
}

const startCommit = headCommit();

function machine(): string[][] {
  const lscpuModel = sh("lscpu", [])
    ?.split("\n")
    .find((l) => l.startsWith("Model name:"))
    ?.replace(/^Model name:\s*/, "");
  return [
    ["", ""],
    ["CPU", `${lscpuModel ?? cpus()[0]?.model ?? "?"} (lscpu), ${cpus().length} cores`],
    ["memory", `${(totalmem() / 1024 ** 3).toFixed(1)} GiB`],
    ["Node.js", process.version],
    ["OS", `${process.platform} ${sh("uname", ["-r"]) ?? ""}`],
    ["date", new Date().toISOString()],
    ["commit", `${startCommit} at the start (each benchmark's own commit is under its table)`],
    ["priority", niceApplied === undefined ? "default (nice 0)" : `nice ${niceApplied}`],
  ];
}

const dir = mkdtempSync(join(tmpdir(), "scopegate-bench-"));
const outcomes: Outcome[] = [];
try {
  for (const id of only) outcomes.push(await runOne(id, dir));
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const allChecks: Check[] = [];
const parts: string[] = [`### Machine\n\n${table(machine())}`];
for (const o of outcomes) {
  const runInfo = `_${o.id}: commit ${o.commit}, ${o.seconds.toFixed(0)} s, 1-min load average ${o.loadBefore.toFixed(2)} before / ${o.loadAfter.toFixed(2)} after${o.code === 0 ? "" : `, **exit code ${o.code}**`}._`;
  if (!o.section) {
    parts.push(`### ${o.id}\n\n**No report** (the benchmark failed).\n\n${runInfo}`);
    allChecks.push({ goal: `${o.id} ran`, measured: `exit code ${o.code}`, pass: false });
    continue;
  }
  allChecks.push(...o.section.checks);
  parts.push(
    [
      `### ${o.section.title}`,
      o.section.markdown,
      o.section.checks.length > 0 ? checkTable(o.section.checks) : "",
      runInfo,
    ]
      .filter(Boolean)
      .join("\n\n"),
  );
}
const summary = `### Goals (issues 6, 13 and 15; rows marked (15) are issue 15’s)\n\n${checkTable(allChecks)}`;
const body = [summary, ...parts].join("\n\n");
process.stdout.write(`\n# Summary\n\n${summary}\n`);

if (write) {
  const block = `${START}\n\n<!-- generated by \`npm run bench -- --write\`; edit the notes outside these markers -->\n\n${body}\n\n${END}`;
  const current = existsSync(BENCHMARKS_MD) ? readFileSync(BENCHMARKS_MD, "utf8") : "";
  const a = current.indexOf(START);
  const b = current.indexOf(END);
  const next =
    a !== -1 && b > a
      ? `${current.slice(0, a)}${block}${current.slice(b + END.length)}`
      : `${current || "# Benchmarks\n\n"}\n${block}\n`;
  writeFileSync(BENCHMARKS_MD, next);
  process.stderr.write(`run: wrote ${BENCHMARKS_MD}\n`);
}

process.exitCode = outcomes.every((o) => o.code === 0) ? 0 : 1;
