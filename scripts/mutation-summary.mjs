#!/usr/bin/env node
/**
 * Writes MUTATION.md from the mutation ledger, reports/mutation-results.json (committed), after
 * merging into it the Stryker JSON report(s) given (default reports/mutation/mutation.json,
 * written by `npm run test:mutation`; skipped when absent). The ledger keeps, per source file,
 * the counts and every surviving or uncovered mutant of that file's latest run, with the run's
 * date and a hash of the source it mutated, so results of runs of one file each
 * (`--mutate <file>`, on any machine or session) add up; Stryker's own reports and incremental
 * file are git-ignored and lost with the checkout. MUTATION.md shows the score per folder,
 * which files were run (and whether their source changed since), and each survivor with
 * file:line, the mutation and its reason from scripts/mutation-reasons.mjs ("not triaged yet"
 * when it has none).
 *
 * Usage: node scripts/mutation-summary.mjs [--out MUTATION.md] [report.json ...]
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";
import { REASONS, RUN_NOTES } from "./mutation-reasons.mjs";

const root = new URL("..", import.meta.url).pathname;
const args = process.argv.slice(2);
const outAt = args.indexOf("--out");
const outPath = outAt >= 0 ? args.splice(outAt, 2)[1] : join(root, "MUTATION.md");
const defaultReport = join(root, "reports/mutation/mutation.json");
const reportPaths = args.length > 0 ? args : existsSync(defaultReport) ? [defaultReport] : [];
const ledgerPath = join(root, "reports/mutation-results.json");
const FOLDERS = ["src/core", "src/trpc", "src/graphql", "src/redis"];
const GOALS = { "src/core": 95, "src/trpc": 90, "src/graphql": 90, "src/redis": 90 };

/** Report paths are relative to the directory Stryker ran in (its sandbox root). */
const rel = (p) => {
  const at = p.replaceAll("\\", "/").lastIndexOf("src/");
  return at >= 0 ? p.replaceAll("\\", "/").slice(at) : p;
};
const hash = (text) => createHash("sha256").update(text).digest("hex").slice(0, 16);

/** Stryker's score: (killed + timeout) / (killed + timeout + survived + no coverage). */
const tally = () => ({ killed: 0, timeout: 0, survived: 0, noCoverage: 0, compileError: 0 });
const KEY = {
  Killed: "killed",
  Timeout: "timeout",
  Survived: "survived",
  NoCoverage: "noCoverage",
  CompileError: "compileError",
  RuntimeError: "compileError",
};

/** One file of a Stryker report, as the ledger keeps it. */
const entry = (file, run) => {
  const counts = tally();
  const left = [];
  const source = file.source.split("\n");
  for (const m of file.mutants) {
    if (KEY[m.status]) counts[KEY[m.status]]++;
    if (m.status !== "Survived" && m.status !== "NoCoverage") continue;
    const line = m.location.start.line;
    left.push({
      line,
      mutator: m.mutatorName,
      original: source[line - 1].trim().slice(0, 90),
      replacement: (m.replacement ?? m.mutatorName).replaceAll("\n", " "),
      status: m.status,
    });
  }
  left.sort((a, b) => a.line - b.line || a.mutator.localeCompare(b.mutator));
  return { run, source: hash(file.source), counts, left };
};

const ledger = existsSync(ledgerPath)
  ? JSON.parse(readFileSync(ledgerPath, "utf8"))
  : { files: {} };
for (const path of reportPaths) {
  const one = JSON.parse(readFileSync(path, "utf8"));
  const run = new Date(statSync(path).mtimeMs).toISOString().slice(0, 16).replace("T", " ");
  for (const [file, data] of Object.entries(one.files)) {
    // An older report (say a stale reports/mutation/mutation.json) never replaces a newer run.
    const known = ledger.files[rel(file)];
    if (!known || known.run <= run) ledger.files[rel(file)] = entry(data, run);
  }
}
ledger.files = Object.fromEntries(
  Object.entries(ledger.files).sort(([a], [b]) => a.localeCompare(b)),
);
mkdirSync(join(root, "reports"), { recursive: true });
writeFileSync(ledgerPath, `${JSON.stringify(ledger, null, 1)}\n`);

const score = (t) => {
  const valid = t.killed + t.timeout + t.survived + t.noCoverage;
  return valid === 0 ? null : ((t.killed + t.timeout) / valid) * 100;
};
const pct = (s) => (s === null ? "–" : `${s.toFixed(1)} %`);

const byFolder = new Map(FOLDERS.map((f) => [f, tally()]));
const byFile = [];
const left = [];
/** Reason keys that explained a survivor; the rest are stale (their mutant is gone). */
const usedReasons = new Set();
for (const [p, e] of Object.entries(ledger.files)) {
  const folder = byFolder.get(FOLDERS.find((f) => p.startsWith(`${f}/`)));
  for (const [k, n] of Object.entries(e.counts)) if (folder && n !== null) folder[k] += n;
  for (const m of e.left) {
    const key = [
      `${p}:${m.line}:${m.mutator}:${m.replacement}`,
      `${p}:${m.line}:${m.mutator}`,
      `${p}:${m.line}`,
    ].find((k) => REASONS[k] !== undefined);
    if (key) usedReasons.add(key);
    left.push({ ...m, p, reason: key && REASONS[key] });
  }
  const current = existsSync(join(root, p)) ? hash(readFileSync(join(root, p), "utf8")) : null;
  const since =
    e.source === null ? "not recorded" : current === e.source ? "same" : "changed since";
  byFile.push({ p, e, since });
}

const listTs = (dir) =>
  readdirSync(join(root, dir)).flatMap((name) => {
    const full = join(root, dir, name);
    if (statSync(full).isDirectory()) return listTs(`${dir}/${name}`);
    return name.endsWith(".ts") && !name.endsWith(".d.ts") ? [`${dir}/${name}`] : [];
  });
/**
 * A file Stryker finds nothing to mutate in: every statement is a type, an interface or a
 * re-export (`export … from`). Stryker leaves such files out of its report, so they would
 * stay "not run" for ever.
 */
const noCode = (p) =>
  ts
    .createSourceFile(p, readFileSync(join(root, p), "utf8"), ts.ScriptTarget.Latest)
    .statements.every(
      (s) =>
        ts.isInterfaceDeclaration(s) ||
        ts.isTypeAliasDeclaration(s) ||
        (ts.isImportDeclaration(s) && s.importClause?.isTypeOnly) ||
        (ts.isExportDeclaration(s) && (s.isTypeOnly || s.moduleSpecifier !== undefined)),
    );
const unrun = FOLDERS.flatMap(listTs).filter((p) => !(p in ledger.files));
const typesOnly = unrun.filter(noCode);
const notRun = unrun.filter((p) => !typesOnly.includes(p));

/** A survivor whose reason says no input can tell it from the original. */
const isEquivalent = (m) => /^Equivalent\b/.test(m.reason ?? "");
/** A survivor of the report that a test written since kills (re-applied by hand). */
const isKilledSince = (m) => /^(Killed by|Static mutant)\b/.test(m.reason ?? "");
const esc = (s) => s.replaceAll("|", "\\|").replaceAll("`", "'");
const runs = byFile.map((f) => f.e.run).sort();
const lines = [
  "# Mutation testing",
  "",
  "Generated by `node scripts/mutation-summary.mjs` from the mutation ledger",
  "(`reports/mutation-results.json`, each file's latest Stryker run of `npm run test:mutation`;",
  "config: `stryker.config.mjs`, tests: `vitest.mutation.config.ts`). Do not edit by hand:",
  "explain a survivor in `scripts/mutation-reasons.mjs` and regenerate.",
  "",
  `Runs: ${byFile.length} file(s), from ${runs[0] ?? "–"} to ${runs.at(-1) ?? "–"} UTC.`,
  "",
  ...RUN_NOTES,
  "",
  "## Score per folder",
  "",
  "Score = (killed + timed out) / (killed + timed out + survived + not covered); mutants that do not",
  "compile (TypeScript checker) are not counted. A folder with no file run yet shows –.",
  "",
  "The last column counts survivors that a test written after the run kills (re-applied by",
  "hand, see their reasons) as killed, and leaves the equivalent ones out: the score a re-run",
  "of the same files would report, give or take the static mutants the vitest runner cannot",
  "activate.",
  "",
  "| Folder | Goal | Score | Score without equivalent mutants | Killed | Timed out | Survived | Equivalent (of survived) | Killed since (of survived) | Not covered | Type errors | After triage |",
  "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ...FOLDERS.map((f) => {
    const t = byFolder.get(f);
    const eq = left.filter((m) => m.p.startsWith(`${f}/`) && isEquivalent(m)).length;
    const since = left.filter((m) => m.p.startsWith(`${f}/`) && isKilledSince(m)).length;
    const valid = t.killed + t.timeout + t.survived + t.noCoverage - eq;
    const net = valid === 0 ? null : ((t.killed + t.timeout) / valid) * 100;
    const triaged = valid === 0 ? null : ((t.killed + t.timeout + since) / valid) * 100;
    return `| ${f} | ≥ ${GOALS[f]} % | ${pct(score(t))} | ${pct(net)} | ${t.killed} | ${t.timeout} | ${t.survived} | ${eq} | ${since} | ${t.noCoverage} | ${t.compileError} | ${pct(triaged)} |`;
  }),
  "",
  "## Files run",
  "",
  "_Source_ compares the file today with the source that run mutated: after a change, line",
  "numbers below may be off and the file is due a re-run.",
  "",
  "| File | Run (UTC) | Source | Score | Killed | Timed out | Survived | Not covered | Type errors |",
  "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ...byFile.map(
    ({ p, e, since }) =>
      `| ${p} | ${e.run} | ${since} | ${pct(score(e.counts))} | ${e.counts.killed} | ${e.counts.timeout} | ${e.counts.survived} | ${e.counts.noCoverage} | ${e.counts.compileError ?? "not recorded"} |`,
  ),
  "",
  `Not run yet (${notRun.length} files): ${notRun.length ? notRun.map((p) => `\`${p}\``).join(", ") : "none"}.`,
  "",
  `Nothing to mutate (types and re-exports only, ${typesOnly.length} files): ${typesOnly.length ? typesOnly.map((p) => `\`${p}\``).join(", ") : "none"}.`,
  "",
  `## Surviving and uncovered mutants (${left.length})`,
  "",
  left.length === 0
    ? "None."
    : "| Where | Mutation | Original | Replacement | Status | Reason |\n| --- | --- | --- | --- | --- | --- |",
  ...left
    .sort((a, b) => a.p.localeCompare(b.p) || a.line - b.line)
    .map(
      (m) =>
        `| ${m.p}:${m.line} | ${m.mutator} | \`${esc(m.original)}\` | \`${esc(m.replacement.slice(0, 90))}\` | ${m.status} | ${esc(m.reason ?? "not triaged yet")} |`,
    ),
  "",
];
writeFileSync(outPath, lines.join("\n"));
// Both files are committed, so they leave in the repository's format (Biome aligns tables).
spawnSync(join(root, "node_modules/.bin/biome"), ["check", "--write", outPath, ledgerPath], {
  stdio: "ignore",
});
const untriaged = left.filter((m) => m.reason === undefined).length;
const stale = Object.keys(REASONS).filter((k) => !usedReasons.has(k));
process.stdout.write(
  `wrote ${relative(root, outPath)}: ${left.length} survivors listed, ${untriaged} not triaged yet\n`,
);
if (stale.length > 0) {
  process.stdout.write(
    `${stale.length} reason(s) in scripts/mutation-reasons match no survivor (a later run killed the mutant, or the line moved): ${stale.join(", ")}\n`,
  );
}
