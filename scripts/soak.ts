/**
 * Bounded soak on loopback: the tRPC and GraphQL examples (`startTrpcExample`,
 * `startGraphqlExample`) in a child process, protected by `createAuth` against a local test
 * issuer running here; ≥ 200 000 requests at concurrency 50, mixed valid / invalid / DPoP.
 * Every answer is checked against the status its class must get; the child's RSS is read
 * (after a GC) at the start, every 10 s and at the end. Exits non-zero on any unexpected
 * status, transport error or server crash, or when the time bound is hit.
 *
 *   npx tsx scripts/soak.ts                       # 200 000 requests, 50 concurrent
 *   SOAK_REQUESTS=20000 SOAK_CONCURRENCY=20 npx tsx scripts/soak.ts
 *
 * Bounds: SOAK_REQUESTS (default 200000), SOAK_CONCURRENCY (50), SOAK_MAX_SECONDS (1200).
 * SOAK_SECONDS=N runs for N seconds instead of a request count (passes when it ran that
 * long cleanly); SOAK_CSV=file writes the samples (seconds, requests, RSS and heap MiB).
 *
 *   SOAK_SECONDS=960 SOAK_MAX_SECONDS=1100 SOAK_CSV=/tmp/soak.csv npx tsx scripts/soak.ts
 */
import { type ChildProcess, fork } from "node:child_process";
import { Agent, request } from "node:http";
import { fileURLToPath } from "node:url";
import type { AccessTokenClaims, Auth } from "scopegate";

/** Messages between the soak and its server child. */
type ToServer = { type: "rss" } | { type: "stop" };
type FromServer =
  | { type: "ready"; trpc: string; graphql: string; rss: number; heapUsed: number }
  | { type: "rss"; rss: number; heapUsed: number };

const SELF = fileURLToPath(import.meta.url);

// ---------------------------------------------------------------------------------------
// The server child: both examples behind one Auth, talking to the parent's issuer.

async function serve(issuerUrl: string, audience: string): Promise<void> {
  const { createAuth } = await import("scopegate");
  const { startTrpcExample } = await import("../examples/trpc/server.js");
  const { startGraphqlExample } = await import("../examples/graphql/server.js");
  const auth: Auth<AccessTokenClaims> = createAuth({ issuer: issuerUrl, audience });
  await auth.warmup();
  const [trpc, graphql] = await Promise.all([
    startTrpcExample({ auth }),
    startGraphqlExample({ auth }),
  ]);
  const rss = () => {
    (globalThis as { gc?: () => void }).gc?.();
    const m = process.memoryUsage();
    return { rss: m.rss, heapUsed: m.heapUsed };
  };
  const send = (m: FromServer) => process.send?.(m);
  process.on("message", async (m: ToServer) => {
    if (m.type === "rss") send({ type: "rss", ...rss() });
    if (m.type === "stop") {
      await Promise.all([trpc.close(), graphql.close()]);
      process.exit(0);
    }
  });
  process.on("disconnect", () => process.exit(0)); // the parent is gone: never linger
  send({ type: "ready", trpc: trpc.url, graphql: graphql.url, ...rss() });
}

// ---------------------------------------------------------------------------------------
// The load generator.

interface Call {
  method: "GET" | "POST";
  url: string;
  headers: Record<string, string>;
  body?: string;
}

interface Kind {
  name: string;
  weight: number;
  make(): Promise<Call> | Call;
  expect: number;
}

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

async function soak(): Promise<number> {
  const forSeconds = env("SOAK_SECONDS", 0);
  const total = forSeconds > 0 ? Number.POSITIVE_INFINITY : env("SOAK_REQUESTS", 200_000);
  const concurrency = env("SOAK_CONCURRENCY", 50);
  const maxSeconds = env("SOAK_MAX_SECONDS", 1200);
  const { createTestIssuer } = await import("scopegate/testing");
  const iss = await createTestIssuer({ audience: "https://api.soak.example" });

  const child: ChildProcess = fork(SELF, ["--server", iss.url, iss.audience], {
    execArgv: [...process.execArgv, "--expose-gc"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  let crashed: string | undefined;
  let stopping = false;
  child.on("exit", (code, signal) => {
    if (!stopping) crashed = `server child exited (code ${code}, signal ${signal})`;
  });
  const ask = <T extends FromServer["type"]>(type: T, msg?: ToServer) =>
    new Promise<Extract<FromServer, { type: T }>>((resolve) => {
      const on = (m: FromServer) => {
        if (m.type !== type) return;
        child.off("message", on);
        resolve(m as Extract<FromServer, { type: T }>);
      };
      child.on("message", on);
      if (msg) child.send(msg);
    });
  const ready = await ask("ready");
  const { trpc, graphql } = ready;

  // Tokens: pools (the verified-token cache serves them) and fresh ES256 ones (full checks).
  const sign = (claims: Record<string, unknown> = {}, options = {}) => iss.sign(claims, options);
  const pool = async (n: number, claims: Record<string, unknown>) =>
    Promise.all(Array.from({ length: n }, (_, i) => sign({ ...claims, n: i })));
  const readers = await pool(200, {
    scope: "read:messages write:messages read:reports read:drafts",
    permissions: ["read:users"],
  });
  const basics = await pool(50, { scope: "openid" });
  const expired = await sign({ scope: "read:messages" }, { expiresIn: -120 });
  const wrongAud = await sign({ aud: "https://other.example", scope: "read:messages" });
  const dpopKey = await iss.dpopKey("ES256");
  const bound = await sign({ scope: "read:messages" }, { dpopJkt: dpopKey.thumbprint });
  const usedProofs: string[] = [];
  let counter = 0;
  const pick = <T>(list: readonly T[]) => list[counter++ % list.length] as T;
  const proof = (method: string, url: string) =>
    iss.dpopProof({ key: dpopKey, method, url, accessToken: bound });

  const gql = (query: string, authorization?: string, extra: Record<string, string> = {}) => ({
    method: "POST" as const,
    url: graphql,
    headers: {
      "content-type": "application/json",
      ...(authorization ? { authorization } : {}),
      ...extra,
    },
    body: JSON.stringify({ query }),
  });
  const get = (path: string, headers: Record<string, string> = {}): Call => ({
    method: "GET",
    url: `${trpc}/${path}`,
    headers,
  });

  const kinds: Kind[] = [
    // tRPC
    { name: "trpc public", weight: 4, expect: 200, make: () => get("public") },
    {
      name: "trpc valid Bearer (cached token)",
      weight: 12,
      expect: 200,
      make: () => get("messages", { authorization: `Bearer ${pick(readers)}` }),
    },
    {
      name: "trpc valid Bearer (fresh ES256 token)",
      weight: 4,
      expect: 200,
      make: async () =>
        get("messages", {
          authorization: `Bearer ${await sign({ scope: "read:messages" }, { alg: "ES256" })}`,
        }),
    },
    {
      name: "trpc valid DPoP",
      weight: 6,
      expect: 200,
      make: async () =>
        get("private", {
          authorization: `DPoP ${bound}`,
          dpop: await proof("GET", `${trpc}/private`),
        }),
    },
    {
      name: "trpc DPoP replay",
      weight: 2,
      expect: 400,
      make: async () => {
        let used = usedProofs.pop();
        if (!used) {
          // Nothing replayable yet: use a fresh proof once (not counted), then replay it.
          used = await proof("GET", `${trpc}/private`);
          const first = await call(get("private", { authorization: `DPoP ${bound}`, dpop: used }));
          if (first.status !== 200) throw new Error(`priming the replay got ${first.status}`);
        }
        return get("private", { authorization: `DPoP ${bound}`, dpop: used });
      },
    },
    {
      name: "trpc DPoP proof for POST on a GET",
      weight: 2,
      expect: 400,
      make: async () =>
        get("private", {
          authorization: `DPoP ${bound}`,
          dpop: await proof("POST", `${trpc}/private`),
        }),
    },
    { name: "trpc no token", weight: 4, expect: 401, make: () => get("private") },
    {
      name: "trpc missing scope",
      weight: 4,
      expect: 403,
      make: () => get("messages", { authorization: `Bearer ${pick(basics)}` }),
    },
    {
      name: "trpc expired",
      weight: 3,
      expect: 401,
      make: () => get("private", { authorization: `Bearer ${expired}` }),
    },
    {
      name: "trpc wrong audience",
      weight: 2,
      expect: 401,
      make: () => get("private", { authorization: `Bearer ${wrongAud}` }),
    },
    {
      name: "trpc garbage token",
      weight: 3,
      expect: 401,
      make: () => get("private", { authorization: `Bearer ${pick(readers).slice(0, -8)}AAAAAAAA` }),
    },
    {
      name: "trpc malformed header",
      weight: 2,
      expect: 400,
      make: () => get("private", { authorization: "Basic dXNlcjpwYXNz" }),
    },
    // GraphQL
    { name: "graphql public", weight: 4, expect: 200, make: () => gql("{ hello }") },
    {
      name: "graphql valid Bearer",
      weight: 12,
      expect: 200,
      make: () => gql("{ me { sub } messages { id } }", `Bearer ${pick(readers)}`),
    },
    {
      name: "graphql valid DPoP",
      weight: 6,
      expect: 200,
      make: async () =>
        gql("{ me { sub } }", `DPoP ${bound}`, { dpop: await proof("POST", graphql) }),
    },
    { name: "graphql no token", weight: 4, expect: 401, make: () => gql("{ me { sub } }") },
    {
      name: "graphql missing scope",
      weight: 4,
      expect: 403,
      make: () => gql("{ messages { id } }", `Bearer ${pick(basics)}`),
    },
    {
      name: "graphql expired",
      weight: 3,
      expect: 401,
      make: () => gql("{ me { sub } }", `Bearer ${expired}`),
    },
    {
      name: "graphql malformed header",
      weight: 2,
      expect: 400,
      make: () => gql("{ me { sub } }", "Bearer two tokens"),
    },
  ];
  const wheel = kinds.flatMap((k) => Array.from({ length: k.weight }, () => k));

  // Idle sockets are dropped after 4 s, below the servers' 5 s keepAliveTimeout: otherwise an
  // idle socket (the agent reuses LIFO) can be reused just as the server closes it — the
  // keep-alive race, a transport artefact that says nothing about scopegate.
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency, timeout: 4_000 });
  const stats = new Map<
    string,
    { sent: number; unexpected: number; statuses: Map<number, number> }
  >();
  const samples: string[] = [];
  const rssSamples: number[] = [ready.rss];
  const heapSamples: number[] = [ready.heapUsed];
  let transportErrors = 0;
  let done = 0;
  const started = Date.now();
  const deadline = started + maxSeconds * 1000;
  const until = forSeconds > 0 ? started + forSeconds * 1000 : deadline;
  const curve: string[] = ["seconds,requests,rss_mib,heap_used_after_gc_mib"];

  const call = (c: Call) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const u = new URL(c.url);
      const req = request(
        {
          host: u.hostname,
          port: u.port,
          path: u.pathname + u.search,
          method: c.method,
          headers: c.body
            ? { ...c.headers, "content-length": String(Buffer.byteLength(c.body)) }
            : c.headers,
          agent,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (d: Buffer) => chunks.push(d));
          res.on("end", () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
          );
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(c.body);
    });

  const monitor = setInterval(async () => {
    if (crashed) return;
    const m = await ask("rss", { type: "rss" });
    rssSamples.push(m.rss);
    heapSamples.push(m.heapUsed);
    const at = Math.round((Date.now() - started) / 1000);
    curve.push(
      `${at},${done},${(m.rss / 2 ** 20).toFixed(1)},${(m.heapUsed / 2 ** 20).toFixed(1)}`,
    );
    const rate = Math.round(done / ((Date.now() - started) / 1000));
    const mib = (n: number) => (n / 2 ** 20).toFixed(1);
    console.log(
      `  ${done} requests, ${rate}/s, server RSS ${mib(m.rss)} MiB, heap after GC ${mib(m.heapUsed)} MiB`,
    );
  }, 10_000);

  let next = 0;
  async function worker(): Promise<void> {
    while (next < total && !crashed && Date.now() < until) {
      const i = next++;
      const kind = wheel[i % wheel.length] as Kind;
      let s = stats.get(kind.name);
      if (!s) {
        s = { sent: 0, unexpected: 0, statuses: new Map() };
        stats.set(kind.name, s);
      }
      s.sent++;
      const c = await kind.make();
      try {
        const res = await call(c);
        s.statuses.set(res.status, (s.statuses.get(res.status) ?? 0) + 1);
        if (res.status !== kind.expect) {
          s.unexpected++;
          if (samples.length < 10) {
            samples.push(`${kind.name}: ${res.status} ${res.body.slice(0, 200)}`);
          }
        }
        if (kind.name === "trpc valid DPoP" && res.status === 200 && c.headers.dpop) {
          if (usedProofs.length < 1000) usedProofs.push(c.headers.dpop);
        }
      } catch (error) {
        transportErrors++;
        if (samples.length < 10) samples.push(`${kind.name}: transport ${String(error)}`);
      }
      done++;
    }
  }

  console.log(
    `soak: ${total} requests, concurrency ${concurrency}, against\n  ${trpc}\n  ${graphql}\n  server RSS at start ${(ready.rss / 2 ** 20).toFixed(1)} MiB`,
  );
  await Promise.all(Array.from({ length: concurrency }, () => worker()));
  clearInterval(monitor);
  const seconds = (Date.now() - started) / 1000;
  const end = crashed ? undefined : await ask("rss", { type: "rss" });
  stopping = true;
  if (!crashed) child.send({ type: "stop" } satisfies ToServer);
  await new Promise<void>((r) => (child.exitCode !== null ? r() : child.once("exit", () => r())));
  agent.destroy();
  await iss.close();

  const unexpected = [...stats.values()].reduce((n, s) => n + s.unexpected, 0);
  console.log(`\nper class (expected status → observed):`);
  for (const k of kinds) {
    const s = stats.get(k.name);
    const observed = s ? [...s.statuses].map(([st, n]) => `${st}×${n}`).join(" ") : "-";
    console.log(`  ${k.name.padEnd(40)} ${k.expect} → ${observed}`);
  }
  const startMiB = ready.rss / 2 ** 20;
  const endMiB = (end?.rss ?? Number.NaN) / 2 ** 20;
  const peakMiB = Math.max(...rssSamples) / 2 ** 20;
  const summary = {
    requests: done,
    seconds: Number(seconds.toFixed(1)),
    perSecond: Math.round(done / seconds),
    concurrency,
    unexpectedStatuses: unexpected,
    transportErrors,
    crashed: crashed ?? false,
    serverRssMiB: {
      start: Number(startMiB.toFixed(1)),
      afterFirst10s:
        rssSamples[1] === undefined ? null : Number((rssSamples[1] / 2 ** 20).toFixed(1)),
      end: Number(endMiB.toFixed(1)),
      peak: Number(peakMiB.toFixed(1)),
    },
    serverHeapUsedAfterGcMiB: {
      start: Number((ready.heapUsed / 2 ** 20).toFixed(1)),
      afterFirst10s:
        heapSamples[1] === undefined ? null : Number((heapSamples[1] / 2 ** 20).toFixed(1)),
      end: end ? Number((end.heapUsed / 2 ** 20).toFixed(1)) : null,
      peak: Number((Math.max(...heapSamples) / 2 ** 20).toFixed(1)),
    },
    issuerHits: { ...iss.hits },
  };
  console.log(`\n${JSON.stringify(summary, null, 2)}`);
  for (const s of samples) console.log(`  sample: ${s}`);
  if (process.env.SOAK_CSV) {
    const { writeFileSync } = await import("node:fs");
    writeFileSync(process.env.SOAK_CSV, `${curve.join("\n")}\n`);
  }
  const ok =
    (forSeconds > 0 ? seconds >= forSeconds - 1 : done >= total) &&
    unexpected === 0 &&
    transportErrors === 0 &&
    !crashed &&
    Date.now() < deadline;
  console.log(ok ? "\nsoak: PASS" : "\nsoak: FAIL");
  return ok ? 0 : 1;
}

if (process.argv[2] === "--server") {
  await serve(process.argv[3] as string, process.argv[4] as string);
} else {
  const hardStop = setTimeout(
    () => {
      console.error("soak: hard time limit reached");
      process.exit(2);
    },
    (env("SOAK_MAX_SECONDS", 1200) + 60) * 1000,
  );
  hardStop.unref();
  process.exitCode = await soak();
}
