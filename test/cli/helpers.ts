import { execFile } from "node:child_process";
import { chmod, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { main } from "../../src/cli/main.js";
import type { AccessTokenClaims, Auth } from "../../src/index.js";
import { AuthError } from "../../src/index.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** What one in-process CLI run printed, and its exit code. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function* chunks(text: string): AsyncGenerator<string> {
  yield text;
}

/**
 * Runs `scopegate ...argv` in-process with exactly `env` (never the developer's own AUTH0_* /
 * SCOPEGATE_* settings) and `stdin` as standard input.
 */
export async function run(
  argv: string[],
  env: Record<string, string | undefined> = {},
  stdin?: string,
): Promise<RunResult> {
  let stdout = "";
  let stderr = "";
  const code = await main(argv, {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    env,
    stdin: stdin === undefined ? undefined : chunks(stdin),
  });
  return { code, stdout, stderr };
}

/** A `scopegate dev` running in-process. */
export interface DevRun {
  /** `SCOPEGATE_ISSUER` as printed. */
  issuer: string;
  /** `SCOPEGATE_AUDIENCE` as printed. */
  audience: string;
  /** Everything printed so far. */
  output(): string;
  /** Everything printed to stderr so far (warnings). */
  errors(): string;
  /** Aborts the signal and resolves to the exit code once the server is closed. */
  stop(): Promise<number>;
}

/**
 * Starts `scopegate dev --port 0 ...args` (a later `--port` wins) and waits until it printed
 * its welcome. Without `--keys` in `args` or `XDG_CACHE_HOME` in `env` it runs with
 * `--no-persist`, so tests never write a key file anywhere but where they say.
 */
export async function startDev(
  args: string[] = [],
  env: Record<string, string | undefined> = {},
): Promise<DevRun> {
  const controller = new AbortController();
  let stdout = "";
  let stderr = "";
  let finished: number | undefined;
  const persist =
    env.XDG_CACHE_HOME !== undefined ||
    args.some((arg) => arg === "--keys" || arg.startsWith("--keys="));
  const argv = ["dev", "--port", "0", ...(persist ? [] : ["--no-persist"]), ...args];
  const done = main(argv, {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    env,
    signal: controller.signal,
  }).then((code) => {
    finished = code;
    return code;
  });
  const deadline = Date.now() + 10_000;
  while (!stdout.includes("Press Ctrl+C")) {
    if (finished !== undefined) throw new Error(`dev exited with ${finished}: ${stderr}`);
    if (Date.now() > deadline) throw new Error(`dev did not start: ${stdout}${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const line = (name: string) => new RegExp(`^${name}=(.+)$`, "m").exec(stdout)?.[1] ?? "";
  return {
    issuer: line("SCOPEGATE_ISSUER"),
    audience: line("SCOPEGATE_AUDIENCE"),
    output: () => stdout,
    errors: () => stderr,
    stop: () => {
      controller.abort();
      return done;
    },
  };
}

/** A real HTTP API protected by `auth` (DPoP allowed): 200 with the claims, else the AuthError. */
export async function startApi(
  auth: Auth<AccessTokenClaims>,
): Promise<{ origin: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    Promise.resolve(auth.createAuthContext(req))
      .then(({ auth: state }) => state.require())
      .then(
        (claims) => {
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify({ sub: claims.sub, scope: claims.scope }));
        },
        (error: unknown) => {
          const e = error instanceof AuthError ? error : undefined;
          res.writeHead(e?.status ?? 500, { "content-type": "application/json", ...e?.headers });
          res.end(JSON.stringify(e?.toJSON() ?? { error: "server_error" }));
        },
      );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * Writes into `dir` a `scopegate` executable that runs this checkout's CLI (through tsx) and
 * returns `dir`, to put first on PATH when a test runs printed shell lines as they are.
 */
export async function scopegateOnPath(dir: string): Promise<string> {
  const tsx = join(root, "node_modules", ".bin", "tsx");
  const script = `#!/bin/sh\nexec "${tsx}" --tsconfig "${join(root, "tsconfig.json")}" "${join(root, "src/cli/index.ts")}" "$@"\n`;
  await writeFile(join(dir, "scopegate"), script);
  await chmod(join(dir, "scopegate"), 0o755);
  return dir;
}

/** Runs `script` with `sh -e` (exit status, stdout and stderr; never throws on a failure). */
export function sh(
  script: string,
  env: Record<string, string | undefined>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile("sh", ["-ec", script], { env, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Whether a program is on PATH. */
export function onPath(program: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile("sh", ["-c", `command -v ${program}`], (error) => resolve(!error));
  });
}

/**
 * The non-empty lines of `block` that are neither a shell comment nor a command, an
 * assignment or a continuation line: what would break a paste into a shell.
 */
export function notPasteSafe(block: string): string[] {
  return block
    .split("\n")
    .filter((line) => line.trim() !== "")
    .filter(
      (line) =>
        !/^\s*(#|[A-Za-z_][A-Za-z0-9_]*=|curl |scopegate |eval |export |-H |-d |\s)/.test(line),
    );
}
