import { type ChildProcess, execFile, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { startGraphqlExample } from "../../examples/graphql/server.js";
import { createAuth } from "../../src/index.js";
import { createTestIssuer } from "../../src/testing/index.js";
import { notPasteSafe, onPath, sh } from "../cli/helpers.js";
import { occupiedPort } from "../support/ports.js";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../..", import.meta.url));
const tsx = fileURLToPath(new URL("../../node_modules/.bin/tsx", import.meta.url));
/** As `npm run demo` runs on a machine without a tenant, whatever the environment says. */
const env = { ...process.env, AUTH0_DOMAIN: "", AUTH0_AUDIENCE: "", SCOPEGATE_ISSUER: "" };
const hasCurl = await onPath("curl");

/** Everything from the first "try it yourself" heading to the end (or the serving line). */
function tryItYourself(stdout: string): string {
  const start = stdout.indexOf("# == try it yourself (tRPC)");
  expect(start).toBeGreaterThan(0);
  const end = stdout.indexOf("# Serving;");
  return stdout.slice(start, end < 0 ? undefined : end);
}

describe("npm run demo", () => {
  it("starts both examples on the embedded issuer and shows 401 / 200 / 403", async () => {
    const { stdout } = await run("npx", ["tsx", "examples/demo.ts", "--once"], {
      env,
      timeout: 60_000,
    });
    expect(stdout).toMatch(/embedded; no Auth0 tenant needed/);
    expect(stdout).toMatch(/private\s+\[no token\]\s+-> 401 UNAUTHORIZED/);
    expect(stdout).toMatch(/messages\s+\[reader\]\s+-> 200/);
    expect(stdout).toMatch(/data\s+\[reader\]\s+-> 403 FORBIDDEN/);
    expect(stdout).toMatch(/me, no token\s+→ 401/);
    expect(stdout).toMatch(/messages, token without scopes\s+→ 403/);
    expect(stdout).toMatch(/curl -i -H "Authorization: Bearer ey/);
    // Paste-safe: headings are comments, every other line a command or an assignment.
    expect(stdout).toMatch(/^# tRPC {4}http:\/\/127\.0\.0\.1:\d+\/trpc {2}\(TRPC_PORT\)$/m);
    expect(stdout).toContain("(GRAPHQL_PORT;");
    expect(stdout).toContain("(BROWSER_PORT;");
    expect(notPasteSafe(tryItYourself(stdout))).toEqual([]);
  }, 90_000);
});

describe("npm run demo, serving", () => {
  let demo: ChildProcess | undefined;
  afterAll(async () => {
    if (!demo || demo.exitCode !== null) return;
    const exited = new Promise((resolve) => demo?.once("exit", resolve));
    demo.kill("SIGINT");
    await exited;
  });

  it.skipIf(!hasCurl)(
    "its printed try-it-yourself block runs in sh against the running servers",
    async () => {
      const ports = { TRPC_PORT: "0", GRAPHQL_PORT: "0", BROWSER_PORT: "0" };
      const child = spawn(tsx, ["examples/demo.ts"], {
        cwd: root,
        env: { ...env, ...ports },
        stdio: ["ignore", "pipe", "inherit"],
      });
      demo = child;
      let stdout = "";
      await new Promise<void>((resolve, reject) => {
        child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
          stdout += chunk;
          if (stdout.includes("# Serving; press Ctrl-C to stop.")) resolve();
        });
        child.once("exit", (code) => reject(new Error(`demo exited with ${code}: ${stdout}`)));
      });
      // The block as printed, after two lines: go on past a failing command (the SSE
      // subscription streams for the token's lifetime, so a time limit ends it with an error).
      const prelude = 'set +e\ncurl() { command curl -sS --max-time 3 "$@"; }\n';
      const result = await sh(prelude + tryItYourself(stdout), {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
      });
      expect(result.stderr).not.toContain("scopegate proof:");
      // A body has no final newline: the next status line may follow it on the same line.
      const statuses = [...result.stdout.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1]);
      expect(statuses).toEqual([
        // tRPC: no token, read:messages, another scope
        "401",
        "200",
        "403",
        // GraphQL: public, no token, token, no read:messages, SSE subscription
        "200",
        "401",
        "200",
        "403",
        "200",
        // DPoP: fresh proof, the same proof replayed, the bound token as Bearer
        "200",
        "400",
        "401",
      ]);
      expect(result.stdout).toContain('error="invalid_dpop_proof"');
    },
    90_000,
  );
});

/** Runs a script with tsx; resolves to its exit code and output (never rejects on exit 1). */
function runScript(script: string, extra: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(tsx, [script], { cwd: root, env: { ...env, ...extra }, timeout: 60_000 }, (e, o, r) =>
      resolve({ code: e ? (typeof e.code === "number" ? e.code : null) : 0, stdout: o, stderr: r }),
    );
  });
}

describe("a busy port", () => {
  it("is one line naming the port and the variable that changes it, and exit code 1", async () => {
    const held = await occupiedPort();
    const port = String(held.port);
    try {
      const cases = [
        ["examples/demo.ts", "TRPC_PORT", "the tRPC example"],
        ["examples/demo.ts", "GRAPHQL_PORT", "the GraphQL example"],
        ["examples/demo.ts", "BROWSER_PORT", "the browser demo page"],
        ["examples/trpc/server.ts", "PORT", "the tRPC example"],
        ["examples/graphql/server.ts", "PORT", "the GraphQL example"],
      ] as const;
      const results = await Promise.all(
        cases.map(([script, variable]) =>
          runScript(script, {
            TRPC_PORT: "0",
            GRAPHQL_PORT: "0",
            BROWSER_PORT: "0",
            [variable]: port,
          }),
        ),
      );
      results.forEach((result, i) => {
        const [script, variable, what] = cases[i] ?? [];
        expect(result.code, `${script} ${variable}`).toBe(1);
        const lines = result.stderr.trim().split("\n");
        expect(lines, result.stderr).toHaveLength(1);
        expect(lines[0]).toContain(`port ${port} on 127.0.0.1 is in use (${what})`);
        const rerun = script === "examples/demo.ts" ? "npm run demo" : `npx tsx ${script}`;
        expect(lines[0]).toContain(`${variable}=${held.port + 100} ${rerun}`);
        expect(result.stderr).not.toContain("EADDRINUSE");
      });
    } finally {
      await held.close();
    }
  }, 90_000);

  it("a port variable that is not a number is one line too", async () => {
    const result = await runScript("examples/demo.ts", { TRPC_PORT: "abc" });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      'npm run demo: TRPC_PORT must be a port number from 0 to 65535, not "abc"',
    );
  }, 60_000);
});

describe("GraphiQL", () => {
  it("is served from the local package: no script, style or icon from the network", async () => {
    const issuer = await createTestIssuer();
    const app = await startGraphqlExample({
      auth: createAuth({ issuer: issuer.url, audience: issuer.audience }),
    });
    try {
      const res = await fetch(app.url, { headers: { accept: "text/html" } });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toContain("text/html");
      const html = await res.text();
      expect(html).toContain("YogaGraphiQL.renderYogaGraphiQL");
      expect(html).toContain("scopegate GraphQL example");
      expect(html).not.toMatch(/(?:src|href)=["']?https?:/);
      expect(html).not.toContain("unpkg.com");
    } finally {
      await app.close();
      await issuer.close();
    }
  });
});
