/**
 * HTTP throughput of the examples on loopback, with and without auth: autocannon (this
 * process) against `examples/trpc/server.ts` and `examples/graphql/server.ts` (a child
 * process each, so client and server do not share an event loop). Goal (issue 6): req/s of a
 * protected procedure / field with a cached valid token ≥ 0.97 × a public one without a token (issue 15; issue 6 asked for 0.95).
 *
 *   npx tsx bench/http.ts [seconds=2] [connections=50] [blocks=5]
 *
 * Each pair is measured in `blocks` blocks of A-B-B-A runs (public, protected, protected,
 * public) after a warm-up of both: drift of the machine cancels out of each block's ratio, and
 * the median of the block ratios is the result (robust to a block hit by other load).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { bundleScript } from "./lib/bundle.js";
import type { ExampleServerInfo } from "./lib/example-server.js";
import { type Check, emit, table } from "./lib/report.js";

const SECONDS = Number(process.argv[2] ?? 2);
const CONNECTIONS = Number(process.argv[3] ?? 50);
const BLOCKS = Math.max(1, Number(process.argv[4] ?? 5));
const ROOT = fileURLToPath(new URL("..", import.meta.url));
// The example servers run as bundled JS, like an app built for production (under tsx, every
// closure scopegate creates per request would pay a `__name` call the package never makes).
const SERVER = await bundleScript(
  fileURLToPath(new URL("./lib/example-server.ts", import.meta.url)),
  "example-server",
);

interface Target {
  label: string;
  method: "GET" | "POST";
  path: string;
  body?: string;
  auth: boolean;
}

interface Example {
  id: "trpc" | "graphql";
  title: string;
  file: string;
  public: Target;
  protected: Target;
}

const gql = (query: string) => JSON.stringify({ query });

const EXAMPLES: Example[] = [
  {
    id: "trpc",
    title: "tRPC (standalone adapter)",
    file: "examples/trpc/server.ts",
    public: { label: "`public` query, no token", method: "GET", path: "/public", auth: false },
    protected: {
      label: '`messages` query, `requireScopes("read:messages")`, cached token',
      method: "GET",
      path: "/messages",
      auth: true,
    },
  },
  {
    id: "graphql",
    title: "GraphQL (graphql-yoga + `useAuth`)",
    file: "examples/graphql/server.ts",
    // The public twin has the protected query's shape (a list of objects, one field each):
    // against `{ hello }` (one scalar) the ratio measured GraphQL execution, not auth.
    public: {
      label: "`{ posts { id } }`, public, no token",
      method: "POST",
      path: "",
      body: gql("{ posts { id } }"),
      auth: false,
    },
    protected: {
      label: '`{ messages { id } }`, `@auth(scopes: ["read:messages"])`, cached token',
      method: "POST",
      path: "",
      body: gql("{ messages { id } }"),
      auth: true,
    },
  },
];

interface Server {
  info: ExampleServerInfo;
  child: ChildProcess;
  /** CPU time (user + system, µs) the server process has used so far. */
  cpu(): Promise<number>;
}

async function startServer(id: Example["id"]): Promise<Server> {
  const child = spawn(process.execPath, [SERVER, id], {
    cwd: ROOT,
    stdio: ["pipe", "pipe", "inherit"],
  });
  const stdout = child.stdout;
  if (!stdout) throw new Error("no stdout");
  const lines = createInterface({ input: stdout });
  const waiting: Array<(line: string) => void> = [];
  lines.on("line", (line) => waiting.shift()?.(line));
  const nextLine = () => new Promise<string>((resolve) => waiting.push(resolve));
  const info = await new Promise<ExampleServerInfo>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${id} example did not start in 60 s`)),
      60_000,
    );
    child.once("exit", (code) => reject(new Error(`${id} example exited with ${code}`)));
    nextLine().then((line) => {
      clearTimeout(timer);
      resolve(JSON.parse(line) as ExampleServerInfo);
    }, reject);
  });
  child.removeAllListeners("exit");
  const cpu = async (): Promise<number> => {
    const answer = nextLine();
    child.stdin.write("cpu\n");
    return (JSON.parse(await answer) as { cpu: number }).cpu;
  };
  return { info, child, cpu };
}

async function stopServer(server: Server): Promise<void> {
  const exited = new Promise<void>((resolve) => server.child.once("exit", () => resolve()));
  server.child.stdin?.end();
  const timer = setTimeout(() => server.child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}

interface Run {
  rps: number;
  /** Server CPU time per answered request, µs. */
  cpuPerRequest: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

async function cannon(server: Server, target: Target, seconds: number): Promise<Run> {
  const headers: Record<string, string> = {};
  if (target.body !== undefined) headers["content-type"] = "application/json";
  if (target.auth) headers.authorization = `Bearer ${server.info.token}`;
  const cpu0 = await server.cpu();
  const result = await autocannon({
    url: `${server.info.url}${target.path}`,
    method: target.method,
    headers,
    body: target.body,
    connections: CONNECTIONS,
    duration: seconds,
  });
  const cpu1 = await server.cpu();
  const answered = result["1xx"] + result["2xx"] + result["3xx"] + result["4xx"] + result["5xx"];
  return {
    rps: result.requests.average,
    cpuPerRequest: (cpu1 - cpu0) / Math.max(1, answered),
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

interface PairResult {
  example: Example;
  pub: Run[];
  prot: Run[];
  /** Protected ÷ public req/s of each A-B-B-A block. */
  blockRatios: number[];
  /** Median of the block ratios. */
  ratio: number;
  /** Server CPU per request, public ÷ protected (medians over runs): the throughput ratio of a CPU-bound server. */
  cpuRatio: number;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? Number.NaN) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};

async function measurePair(example: Example): Promise<PairResult> {
  const server = await startServer(example.id);
  try {
    await cannon(server, example.public, 1); // warm-up: JIT, the token cache, keep-alive pools
    await cannon(server, example.protected, 1);
    const pub: Run[] = [];
    const prot: Run[] = [];
    const blockRatios: number[] = [];
    for (let b = 0; b < BLOCKS; b++) {
      const block: Record<"public" | "protected", number[]> = { public: [], protected: [] };
      for (const which of ["public", "protected", "protected", "public"] as const) {
        const run = await cannon(server, example[which], SECONDS);
        (which === "public" ? pub : prot).push(run);
        block[which].push(run.rps);
        process.stderr.write(
          `  ${example.id} block ${b + 1} ${which.padEnd(9)} ${run.rps.toFixed(0).padStart(7)} req/s` +
            ` ${run.cpuPerRequest.toFixed(0).padStart(5)} µs CPU/req` +
            `${run.non2xx || run.errors ? ` (non-2xx ${run.non2xx}, errors ${run.errors})` : ""}\n`,
        );
      }
      blockRatios.push(mean(block.protected) / mean(block.public));
    }
    const cpuRatio =
      median(pub.map((r) => r.cpuPerRequest)) / median(prot.map((r) => r.cpuPerRequest));
    return { example, pub, prot, blockRatios, ratio: median(blockRatios), cpuRatio };
  } finally {
    await stopServer(server);
  }
}

const missing = EXAMPLES.filter((e) => !existsSync(new URL(`../${e.file}`, import.meta.url)));
if (missing.length > 0) {
  emit({
    id: "http",
    title: "HTTP throughput of the examples",
    markdown: `Not run: ${missing.map((e) => `\`${e.file}\``).join(", ")} missing.`,
    checks: [],
  });
} else {
  const results: PairResult[] = [];
  for (const example of EXAMPLES) results.push(await measurePair(example));
  const rows: string[][] = [
    [
      "example",
      "request",
      `req/s (mean of ${2 * BLOCKS} runs)`,
      "server CPU µs / request (median)",
      "p50 / p99 latency",
      "non-2xx / errors",
    ],
  ];
  for (const r of results) {
    for (const [target, runs] of [
      [r.example.public, r.pub],
      [r.example.protected, r.prot],
    ] as const) {
      rows.push([
        r.example.title,
        target.label,
        mean(runs.map((x) => x.rps)).toFixed(0),
        median(runs.map((x) => x.cpuPerRequest)).toFixed(0),
        `${mean(runs.map((x) => x.p50)).toFixed(1)} / ${mean(runs.map((x) => x.p99)).toFixed(1)} ms`,
        `${runs.reduce((a, x) => a + x.non2xx, 0)} / ${runs.reduce((a, x) => a + x.errors, 0)}`,
      ]);
    }
    rows.push([
      r.example.title,
      `**with auth ÷ without** (req/s: median of ${BLOCKS} A-B-B-A blocks ${r.blockRatios.map((x) => x.toFixed(3)).join(", ")}; CPU: public ÷ protected)`,
      `**${r.ratio.toFixed(3)}**`,
      `**${r.cpuRatio.toFixed(3)}**`,
      "",
      "",
    ]);
  }
  const checks: Check[] = results.map((r) => {
    const clean = [...r.pub, ...r.prot].every((x) => x.non2xx === 0 && x.errors === 0);
    return {
      goal: `${r.example.title}: (15) req/s with auth ≥ 0.97 × without`,
      measured: `req/s ${r.ratio.toFixed(3)}×; server CPU per request ${r.cpuRatio.toFixed(3)}×${clean ? "" : " (some non-2xx / errors!)"}`,
      pass: r.ratio >= 0.97 && r.cpuRatio >= 0.97 && clean,
    };
  });
  emit({
    id: "http",
    title: "HTTP throughput of the examples (autocannon, loopback)",
    markdown: `${table(rows, "---|---|--:|--:|--:|--:")}\n\n- autocannon ${CONNECTIONS} connections, ${SECONDS} s per run, ${BLOCKS} blocks of runs ordered public → protected → protected → public after a 1 s warm-up of each; the server runs in its own process (\`bench/lib/example-server.ts\` bundled by esbuild with scopegate inside, as an app built for production), autocannon in this one. Both share the machine's 2 cores.\n- The req/s ratio moves with whatever else runs on the machine; the server's CPU time per answered request (\`process.cpuUsage()\` of the server process around each run ÷ responses) does much less, and for a CPU-bound server its inverse ratio is the throughput ratio. The goal counts as met only when both ratios are ≥ 0.97.`,
    checks,
  });
}
