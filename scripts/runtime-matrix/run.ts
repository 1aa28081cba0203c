/**
 * The runtime matrix (npm run test:runtimes): the packed `scopegate` tarball, installed in a
 * consumer project outside this repository, runs one shared suite (test/runtimes/suite.ts) on
 * Node 20 / 22 / 24, Bun, Deno, Cloudflare workerd with and without `nodejs_compat`, and
 * Vercel's edge-runtime; the host examples (examples/trpc/hosts/{worker,serve}.ts,
 * examples/graphql/hosts/worker.ts) are served by workerd, Bun and Deno and answer real HTTP
 * requests on 127.0.0.1; `scopegate/testing` is tried on Bun and Deno. Exits 1 on any failure.
 *
 *   npm run test:runtimes                      # build, pack, install, run everything
 *   npm run test:runtimes -- --skip-build      # reuse dist/ as it is
 *   npm run test:runtimes -- --only=bun,workerd-compat
 *   npm run test:runtimes -- --ref=HEAD          # build a commit (git archive), not the work tree
 *   npm run test:runtimes -- --source=../other   # build another checkout of scopegate
 *
 * Versions are pinned in test/runtimes/package.json (+ lockfile, installed with `npm ci`); the
 * consumer lives in $SCOPEGATE_RUNTIMES_DIR or the system temp dir, outside the repository, so
 * nothing can resolve to this repository's sources or node_modules.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { copyFile, mkdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as esbuild from "esbuild";
import type { TestIssuer } from "scopegate/testing";
import {
  type CaseResult,
  describeError,
  RESULTS_MARKER,
  runCases,
  type SuiteReport,
} from "../../test/runtimes/cases.js";
import { graphqlHostCases, trpcHostCases } from "../../test/runtimes/hosts.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const matrixDir = join(root, "test/runtimes");
const work = resolve(
  process.env.SCOPEGATE_RUNTIMES_DIR ?? join(tmpdir(), "scopegate-runtime-matrix"),
);
const consumer = join(work, "consumer");
const out = join(consumer, "out");
const args = process.argv.slice(2);
const skipBuild = args.includes("--skip-build");
const ref = args.find((a) => a.startsWith("--ref="))?.slice("--ref=".length);
const sourceDir = args.find((a) => a.startsWith("--source="))?.slice("--source=".length);
const only = args
  .find((a) => a.startsWith("--only="))
  ?.slice("--only=".length)
  .split(",");
const wanted = (name: string) => !only || only.some((o) => name === o || name.startsWith(`${o}-`));

interface Pins {
  dependencies: Record<string, string>;
  runtimeMatrix: {
    node: string[];
    workerd: Record<
      "plain" | "compat",
      { compatibilityDate: string; compatibilityFlags: string[] }
    >;
  };
}
const pins = JSON.parse(await readFile(join(matrixDir, "package.json"), "utf8")) as Pins;

// ---------------------------------------------------------------------------------------------
// Child processes: each in its own process group, killed (the whole group) on timeout and at
// exit, whatever happens.

const children = new Set<ChildProcess>();
function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    child.kill("SIGKILL");
  }
}
const killAll = () => {
  for (const child of children) killGroup(child);
};
process.on("exit", killAll);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    killAll();
    process.exit(130);
  });
}

interface Started {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

function start(
  command: string,
  argv: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Started {
  const child = spawn(command, argv, {
    cwd: options.cwd ?? consumer,
    env: { ...process.env, NO_COLOR: "1", PWD: options.cwd ?? consumer, ...options.env },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  let output = "";
  child.stdout?.on("data", (d: Buffer) => {
    output += d;
  });
  child.stderr?.on("data", (d: Buffer) => {
    output += d;
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once("error", (error) => {
      output += `\n${String(error)}`;
      resolve(-1);
    });
    child.once("close", (code) => {
      children.delete(child);
      resolve(code);
    });
  });
  return {
    child,
    output: () => output,
    exited,
    async stop() {
      killGroup(child);
      await Promise.race([exited, sleep(5_000)]);
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs a command to its end, killed after `timeoutMs`. */
async function run(
  command: string,
  argv: string[],
  options: { cwd?: string; env?: Record<string, string>; timeoutMs: number },
): Promise<{ code: number | null; output: string; timedOut: boolean }> {
  const p = start(command, argv, options);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(p.child);
  }, options.timeoutMs);
  const code = await p.exited;
  clearTimeout(timer);
  return { code, output: p.output(), timedOut };
}

async function must(
  command: string,
  argv: string[],
  cwd: string,
  timeoutMs: number,
): Promise<string> {
  const r = await run(command, argv, { cwd, timeoutMs });
  if (r.code !== 0) {
    throw new Error(
      `${command} ${argv.join(" ")} failed (${r.timedOut ? "timed out" : `exit ${r.code}`}):\n${r.output}`,
    );
  }
  return r.output;
}

/** Waits until `pattern` shows up in the output; fails early when the process exits. */
async function waitForOutput(
  p: Started,
  pattern: RegExp,
  timeoutMs: number,
): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void p.exited.then(() => {
    exited = true;
  });
  for (;;) {
    const m = p.output().match(pattern);
    if (m) return m;
    if (exited) throw new Error(`exited before it was ready:\n${p.output().slice(-2000)}`);
    if (Date.now() > deadline)
      throw new Error(`not ready within ${timeoutMs} ms:\n${p.output().slice(-2000)}`);
    await sleep(50);
  }
}

/** Waits until something answers HTTP at `url`. */
async function waitForHttp(p: Started, url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void p.exited.then(() => {
    exited = true;
  });
  for (;;) {
    try {
      await (await fetch(url, { signal: AbortSignal.timeout(1_000) })).arrayBuffer();
      return;
    } catch {}
    if (exited) throw new Error(`exited before it was ready:\n${p.output().slice(-2000)}`);
    if (Date.now() > deadline)
      throw new Error(
        `no HTTP answer at ${url} within ${timeoutMs} ms:\n${p.output().slice(-2000)}`,
      );
    await sleep(100);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address
          ? resolve(address.port)
          : reject(new Error("no port")),
      );
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Build, pack, install.

const sha = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

async function prepare(): Promise<{ tarball: string; commit: string }> {
  await mkdir(work, { recursive: true });
  // The package is built from the work tree, or with --ref from that commit's files alone
  // (exported with git archive, beside the repository's node_modules).
  let source = root;
  let commit = (await must("git", ["describe", "--always", "--dirty"], root, 10_000)).trim();
  if (ref) {
    source = join(work, "source");
    await rm(source, { recursive: true, force: true });
    await mkdir(source, { recursive: true });
    await must(
      "sh",
      ["-c", `git -C "$0" archive "$1" | tar -x -C "$2"`, root, ref, source],
      root,
      60_000,
    );
    await symlink(join(root, "node_modules"), join(source, "node_modules"));
    commit = (await must("git", ["rev-parse", "--short", ref], root, 10_000)).trim();
  }
  if (sourceDir) {
    source = resolve(sourceDir);
    if (!existsSync(join(source, "node_modules"))) {
      await symlink(join(root, "node_modules"), join(source, "node_modules"));
    }
    commit = `${source} (${(await must("git", ["-C", source, "describe", "--always", "--dirty"], root, 10_000).catch(() => "not a git checkout")).trim()})`;
  }
  if (!skipBuild || ref) await must("npm", ["run", "build", "--silent"], source, 180_000);
  const packed = await must(
    "npm",
    ["pack", "--silent", "--pack-destination", work],
    source,
    60_000,
  );
  const tarball = join(work, packed.trim().split("\n").pop() ?? "");

  // The pinned runtimes and peers: `npm ci` only when the pins changed (the consumer is reused).
  const manifest = await readFile(join(matrixDir, "package.json"), "utf8");
  const lock = await readFile(join(matrixDir, "package-lock.json"), "utf8");
  const stamp = sha(manifest + lock + process.version);
  const stampFile = join(consumer, ".installed");
  const current = existsSync(stampFile) ? await readFile(stampFile, "utf8") : "";
  if (current !== stamp || !existsSync(join(consumer, "node_modules"))) {
    await rm(consumer, { recursive: true, force: true });
    await mkdir(consumer, { recursive: true });
    await writeFile(join(consumer, "package.json"), manifest);
    await writeFile(join(consumer, "package-lock.json"), lock);
    // Install scripts off: every runtime binary is taken from its platform package.
    await must("npm", ["ci", "--ignore-scripts", "--no-audit", "--no-fund"], consumer, 300_000);
    await writeFile(stampFile, stamp);
  }
  // The tarball under test, fresh every run.
  await rm(join(consumer, "node_modules/scopegate"), { recursive: true, force: true });
  await must(
    "npm",
    ["install", "--no-save", "--ignore-scripts", "--no-audit", "--no-fund", tarball],
    consumer,
    120_000,
  );
  const installed = await readFile(join(consumer, "node_modules/scopegate/dist/index.js"));
  const built = await readFile(join(source, "dist/index.js"));
  if (sha(installed) !== sha(built))
    throw new Error("the installed scopegate is not the one just built");

  // The suite and the examples, copied into the consumer so that every import resolves there.
  await rm(join(consumer, "src"), { recursive: true, force: true });
  await rm(out, { recursive: true, force: true });
  const files = [
    "test/runtimes/cases.ts",
    "test/runtimes/suite.ts",
    "test/runtimes/entry-script.ts",
    "test/runtimes/entry-worker.ts",
    "test/runtimes/entry-edge.ts",
    "test/runtimes/entry-testing.ts",
    "examples/trpc/router.ts",
    "examples/trpc/hosts/worker.ts",
    "examples/trpc/hosts/serve.ts",
    "examples/graphql/schema.ts",
    "examples/graphql/hosts/worker.ts",
  ];
  for (const file of files) {
    await mkdir(dirname(join(consumer, "src", file)), { recursive: true });
    await copyFile(join(root, file), join(consumer, "src", file));
  }
  return { tarball, commit };
}

type Flavor = "script" | "worker" | "worker-compat" | "edge";

/**
 * Bundles one entry the way its platform builds. `script` (Node, Bun, Deno) bundles only the
 * relative files and leaves every package to the runtime's resolver; `worker` is wrangler's
 * build (neutral platform, `workerd` / `worker` / `browser` conditions, ESM), `worker-compat`
 * the same with `node:*` external (what wrangler does under `nodejs_compat`); `edge` is the
 * edge-light build as a classic script (edge-runtime evaluates a script, as Next.js does).
 */
async function bundle(entry: string, flavor: Flavor, outName: string): Promise<string> {
  const outfile = join(out, outName);
  const common: esbuild.BuildOptions = {
    entryPoints: [join(consumer, "src", entry)],
    outfile,
    bundle: true,
    target: "es2022",
    metafile: true,
    logLevel: "silent",
    absWorkingDir: consumer,
    // No tsconfig from anywhere: the repository's `paths` map scopegate to its sources.
    tsconfigRaw: "{}",
  };
  const platformOptions: Record<Flavor, esbuild.BuildOptions> = {
    script: { platform: "node", format: "esm", packages: "external" },
    worker: {
      platform: "neutral",
      format: "esm",
      mainFields: ["browser", "module", "main"],
      conditions: ["workerd", "worker", "browser"],
    },
    "worker-compat": {
      platform: "neutral",
      format: "esm",
      mainFields: ["browser", "module", "main"],
      conditions: ["workerd", "worker", "browser"],
      external: ["node:*"],
    },
    edge: {
      platform: "neutral",
      format: "iife",
      mainFields: ["browser", "module", "main"],
      conditions: ["edge-light", "worker", "browser"],
    },
  };
  const result = await esbuild.build({ ...common, ...platformOptions[flavor] });
  for (const input of Object.keys(result.metafile?.inputs ?? {})) {
    const file = resolve(consumer, input);
    if (relative(consumer, file).startsWith("..")) {
      throw new Error(`${outName}: ${input} was bundled from outside the consumer project`);
    }
  }
  return outfile;
}

// ---------------------------------------------------------------------------------------------
// Runtimes.

function platformBinary(candidates: string[]): string {
  for (const c of candidates) {
    const file = join(consumer, "node_modules", c);
    if (existsSync(file)) return file;
  }
  throw new Error(
    `no binary among ${candidates.join(", ")} (platform ${process.platform}-${process.arch})`,
  );
}
const arch = process.arch === "arm64" ? "arm64" : "x64";
const bunBinary = () =>
  platformBinary([
    `@oven/bun-${process.platform}-${arch === "arm64" ? "aarch64" : "x64"}/bin/bun`,
    `@oven/bun-${process.platform}-${arch === "arm64" ? "aarch64" : "x64"}-baseline/bin/bun`,
  ]);
const denoBinary = () =>
  platformBinary([
    `@deno/${process.platform}-${arch}-glibc/deno`,
    `@deno/${process.platform}-${arch}/deno`,
  ]);
const workerdBinary = () =>
  platformBinary([
    `@cloudflare/workerd-${process.platform}-${arch === "x64" ? "64" : "arm64"}/bin/workerd`,
  ]);

/** A row of the matrix: one runtime, its results by part. */
interface Row {
  name: string;
  version: string;
  detail: string;
  parts: Record<string, CaseResult[]>;
  ms: number;
}
const rows: Row[] = [];

const failed = (name: string, error: unknown): CaseResult[] => [
  { name, ok: false, ms: 0, detail: describeError(error) },
];

function parseReport(output: string): SuiteReport {
  const line = output.split("\n").find((l) => l.startsWith(RESULTS_MARKER));
  if (!line) throw new Error(`no report in the output:\n${output.slice(-3000)}`);
  return JSON.parse(line.slice(RESULTS_MARKER.length)) as SuiteReport;
}

/** Runs a script entry to its end and returns its report. */
async function scriptReport(command: string, argv: string[], timeoutMs = 120_000) {
  const r = await run(command, argv, { timeoutMs });
  if (r.timedOut) throw new Error(`timed out after ${timeoutMs} ms:\n${r.output.slice(-3000)}`);
  return parseReport(r.output);
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

async function row(
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

/** How the runtime describes itself, and whether the core could take its node:crypto path. */
const cryptoPath = (report: SuiteReport) =>
  `${/^(node|bun|deno) /.test(report.runtime) ? "" : `${report.runtime}; `}${report.nodeCrypto ? "node:crypto present" : "no node:crypto, WebCrypto only"}`;

/** Serves an example with Bun or Deno (serve.ts) and runs the tRPC host checks against it. */
async function serveExample(
  command: string,
  argv: string[],
  issuer: TestIssuer,
  dpopAlgs: readonly string[],
): Promise<CaseResult[]> {
  const p = start(command, argv, {
    env: { PORT: "0", SCOPEGATE_ISSUER: issuer.url, SCOPEGATE_AUDIENCE: issuer.audience },
  });
  try {
    const [, url] = (await waitForOutput(
      p,
      /listening on (http:\/\/127\.0\.0\.1:\d+\/trpc)/,
      20_000,
    )) as [string, string];
    return await runCases(trpcHostCases({ url, issuer, dpopAlgs }), 15_000);
  } catch (error) {
    return failed("serve.ts start", error);
  } finally {
    await p.stop();
  }
}

const capnpString = (value: string) => JSON.stringify(value);

/** A workerd config: the suite Worker and the two host examples, each on its own socket. */
function workerdConfig(
  compat: boolean,
  files: { suite: string; trpc: string; graphql: string },
  ports: { suite: number; trpc: number; graphql: number },
  issuer: TestIssuer,
): string {
  const settings = pins.runtimeMatrix.workerd[compat ? "compat" : "plain"];
  const worker = (file: string, bindings: Record<string, string>) => `(
    modules = [(name = "worker.mjs", esModule = embed ${capnpString(relative(out, file))})],
    compatibilityDate = ${capnpString(settings.compatibilityDate)},
    compatibilityFlags = [${settings.compatibilityFlags.map(capnpString).join(", ")}],
    bindings = [${Object.entries(bindings)
      .map(([name, text]) => `(name = ${capnpString(name)}, text = ${capnpString(text)})`)
      .join(", ")}],
    globalOutbound = "loopback",
  )`;
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "suite", worker = .suite),
    (name = "trpc", worker = .trpc),
    (name = "graphql", worker = .graphql),
    # Outbound fetch: loopback only (the tRPC example finds its keys through the test issuer).
    (name = "loopback", network = (allow = ["local"])),
  ],
  sockets = [
    (name = "suite", address = "127.0.0.1:${ports.suite}", http = (), service = "suite"),
    (name = "trpc", address = "127.0.0.1:${ports.trpc}", http = (), service = "trpc"),
    (name = "graphql", address = "127.0.0.1:${ports.graphql}", http = (), service = "graphql"),
  ],
);
# The shared suite: static JWKS; its one network case fetches the test issuer on loopback.
const suite :Workerd.Worker = ${worker(files.suite, {})};
# examples/trpc/hosts/worker.ts: an issuer URL on loopback (discovery and JWKS over fetch).
const trpc :Workerd.Worker = ${worker(files.trpc, {
    SCOPEGATE_ISSUER: issuer.url,
    SCOPEGATE_AUDIENCE: issuer.audience,
  })};
# examples/graphql/hosts/worker.ts: the same issuer's keys as a static JWKS in env.
const graphql :Workerd.Worker = ${worker(files.graphql, {
    SCOPEGATE_ISSUER: issuer.url,
    SCOPEGATE_AUDIENCE: issuer.audience,
    SCOPEGATE_JWKS: JSON.stringify(issuer.jwks()),
  })};
`;
}

async function workerdRow(compat: boolean, issuer: TestIssuer, dpopAlgs: readonly string[]) {
  const name = compat ? "workerd-compat" : "workerd";
  await row(name, `workerd ${pins.dependencies.workerd}`, async (r) => {
    const flavor: Flavor = compat ? "worker-compat" : "worker";
    const tag = compat ? "compat" : "plain";
    const files = {
      suite: await bundle("test/runtimes/entry-worker.ts", flavor, `suite-worker-${tag}.mjs`),
      trpc: await bundle("examples/trpc/hosts/worker.ts", flavor, `trpc-worker-${tag}.mjs`),
      graphql: await bundle(
        "examples/graphql/hosts/worker.ts",
        flavor,
        `graphql-worker-${tag}.mjs`,
      ),
    };
    const ports = { suite: await freePort(), trpc: await freePort(), graphql: await freePort() };
    const config = join(out, `workerd-${tag}.capnp`);
    await writeFile(config, workerdConfig(compat, files, ports, issuer));
    const settings = pins.runtimeMatrix.workerd[tag === "compat" ? "compat" : "plain"];
    r.detail = `flags [${settings.compatibilityFlags.join(", ")}], compatibility date ${settings.compatibilityDate}; esbuild neutral, conditions workerd/worker/browser${compat ? ", node:* external" : ""}`;
    const p = start(workerdBinary(), ["serve", config, "--verbose"], { cwd: out });
    try {
      await waitForHttp(p, `http://127.0.0.1:${ports.suite}/`, 30_000);
      try {
        const res = await fetch(
          `http://127.0.0.1:${ports.suite}/suite?network=${encodeURIComponent(network)}`,
          {
            signal: AbortSignal.timeout(120_000),
          },
        );
        const text = await res.text();
        if (res.status !== 200)
          throw new Error(`GET /suite answered ${res.status}: ${text.slice(0, 2000)}`);
        const report = JSON.parse(text) as SuiteReport;
        r.detail = `${cryptoPath(report)}; ${r.detail}`;
        r.parts.suite = report.results;
      } catch (error) {
        r.parts.suite = failed(
          "suite",
          new Error(`${describeError(error)}\n${p.output().slice(-2000)}`),
        );
      }
      r.parts["examples/trpc/hosts/worker.ts"] = await runCases(
        trpcHostCases({ url: `http://127.0.0.1:${ports.trpc}/trpc`, issuer, dpopAlgs }),
        15_000,
      );
      r.parts["examples/graphql/hosts/worker.ts"] = await runCases(
        graphqlHostCases({ url: `http://127.0.0.1:${ports.graphql}/graphql`, issuer, dpopAlgs }),
        15_000,
      );
      const log = p.output().trim();
      if (log && r.parts.suite.some((c) => !c.ok))
        console.log(`  (workerd log)\n${log.slice(-1500)}`);
    } finally {
      await p.stop();
    }
  });
}

async function edgeRow() {
  await row("edge-runtime", `edge-runtime ${pins.dependencies["edge-runtime"]}`, async (r) => {
    const file = await bundle("test/runtimes/entry-edge.ts", "edge", "suite-edge.js");
    r.detail = `on Node ${process.version}; esbuild neutral, conditions edge-light/worker/browser, classic script`;
    const cli = join(consumer, "node_modules/edge-runtime/dist/cli/index.js");
    const p = start(process.execPath, [
      cli,
      "--listen",
      relative(consumer, file),
      "--port",
      String(await freePort()),
    ]);
    try {
      const [url] = await waitForOutput(p, /http:\/\/127\.0\.0\.1:\d+/, 30_000);
      const res = await fetch(`${url}/suite?network=${encodeURIComponent(network)}`, {
        signal: AbortSignal.timeout(120_000),
      });
      const text = await res.text();
      if (res.status !== 200)
        throw new Error(`GET /suite answered ${res.status}: ${text.slice(0, 2000)}\n${p.output()}`);
      const report = JSON.parse(text) as SuiteReport;
      r.detail = `${cryptoPath(report)}; ${r.detail}`;
      r.parts.suite = report.results;
    } finally {
      await p.stop();
    }
  });
}

// ---------------------------------------------------------------------------------------------

const began = Date.now();
const timings: string[] = [];
let exitCode = 0;
let issuer: TestIssuer | undefined;
let network = "";
try {
  const { commit } = await prepare();
  timings.push(`build, pack, install ${((Date.now() - began) / 1000).toFixed(1)} s`);
  console.log(`scopegate ${commit}, packed and installed in ${consumer}`);

  const script = await bundle("test/runtimes/entry-script.ts", "script", "suite.mjs");
  const testing = await bundle("test/runtimes/entry-testing.ts", "script", "testing.mjs");
  const serve = await bundle("examples/trpc/hosts/serve.ts", "script", "trpc-serve.mjs");

  // The packed scopegate/testing on the Node host: tokens and proofs for the host examples.
  const packed = (id: string) =>
    pathToFileURL(join(consumer, "node_modules/scopegate/dist", id)).href;
  const testingModule = (await import(
    packed("testing/index.js")
  )) as typeof import("scopegate/testing");
  const core = (await import(packed("index.js"))) as typeof import("scopegate");
  issuer = await testingModule.createTestIssuer();
  // The issuer makes a key per algorithm on first use: use each one the host checks sign with,
  // so the static JWKS handed to the GraphQL Worker holds them all.
  for (const alg of ["RS256", "ES256", "PS256", "EdDSA"] as const) await issuer.sign({}, { alg });
  const dpopAlgs = core.ASYMMETRIC_ALGORITHMS;
  // The suite's discovery-over-loopback case: this issuer, and a token it signed.
  network = JSON.stringify({
    issuer: issuer.url,
    audience: issuer.audience,
    token: await issuer.sign({ sub: "network-user" }, { expiresIn: 900 }),
  });

  await row("node20", `node ${process.version}`, async (r) => {
    const report = await scriptReport(process.execPath, [script, network]);
    r.detail = cryptoPath(report);
    r.parts.suite = report.results;
    r.parts["scopegate/testing"] = (await scriptReport(process.execPath, [testing])).results;
  });
  for (const version of pins.runtimeMatrix.node) {
    const major = version.split(".")[0];
    await row(`node${major}`, `node v${version}`, async (r) => {
      const npx = ["-y", "-p", `node@${version}`, "--", "node"];
      const report = await scriptReport("npx", [...npx, script, network], 240_000);
      if (report.runtime !== `node v${version}`) throw new Error(`ran on ${report.runtime}`);
      r.detail = cryptoPath(report);
      r.parts.suite = report.results;
    });
  }
  await row("bun", `bun ${pins.dependencies.bun}`, async (r) => {
    const bun = bunBinary();
    const report = await scriptReport(bun, [script, network]);
    r.detail = cryptoPath(report);
    r.parts.suite = report.results;
    r.parts["examples/trpc/hosts/serve.ts (Bun.serve)"] = await serveExample(
      bun,
      [serve],
      issuer as TestIssuer,
      dpopAlgs,
    );
    r.parts["scopegate/testing"] = (await scriptReport(bun, [testing])).results;
  });
  await row("deno", `deno ${pins.dependencies.deno}`, async (r) => {
    const deno = denoBinary();
    const report = await scriptReport(deno, ["run", "-A", script, network]);
    r.detail = cryptoPath(report);
    r.parts.suite = report.results;
    r.parts["examples/trpc/hosts/serve.ts (Deno.serve)"] = await serveExample(
      deno,
      ["run", "--allow-net", "--allow-env", "--allow-read", serve],
      issuer as TestIssuer,
      dpopAlgs,
    );
    r.parts["scopegate/testing"] = (await scriptReport(deno, ["run", "-A", testing])).results;
  });
  await workerdRow(false, issuer, dpopAlgs);
  await workerdRow(true, issuer, dpopAlgs);
  await edgeRow();
} catch (error) {
  console.error(
    `\nruntime matrix could not run: ${error instanceof Error ? error.stack : String(error)}`,
  );
  exitCode = 1;
} finally {
  await issuer?.close().catch(() => {});
  killAll();
}

// Summary.
const count = (results: CaseResult[] | undefined) =>
  results ? `${results.filter((r) => r.ok).length}/${results.length}` : "-";
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
if (only && rows.length === 0) {
  console.log(`no runtime matches --only=${only.join(",")}`);
  exitCode = 1;
}
timings.push(`total ${((Date.now() - began) / 1000).toFixed(1)} s`);
console.log(timings.join("; "));
await writeFile(join(work, "results.json"), `${JSON.stringify(rows, null, 2)}\n`).catch(() => {});
if (failures.length > 0) {
  console.log(`\n${failures.length} failing case(s):\n  ${failures.join("\n  ")}`);
  exitCode = 1;
} else if (exitCode === 0) {
  console.log("\nruntime matrix passed");
}
process.exit(exitCode);
