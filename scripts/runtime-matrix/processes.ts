/**
 * The runtime matrix's child processes: each in its own process group, killed (the whole
 * group) on timeout and at exit, whatever happens; waiting for one to be ready; free ports on
 * 127.0.0.1; the runtime binaries in the consumer's platform packages.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { consumer } from "./options.js";

const children = new Set<ChildProcess>();

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    child.kill("SIGKILL");
  }
}

/** Kills every child still running (also done at exit and on SIGINT / SIGTERM). */
export const killAll = () => {
  for (const child of children) killGroup(child);
};
process.on("exit", killAll);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    killAll();
    process.exit(130);
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Started {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

interface SpawnOptions {
  /** Default: the consumer project. */
  cwd?: string;
  env?: Record<string, string>;
}

/** Starts a command, its stdout and stderr collected together. */
export function start(command: string, argv: string[], options: SpawnOptions = {}): Started {
  const cwd = options.cwd ?? consumer;
  const child = spawn(command, argv, {
    cwd,
    env: { ...process.env, NO_COLOR: "1", PWD: cwd, ...options.env },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  let output = "";
  const collect = (d: Buffer) => {
    output += d;
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
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

/** Runs a command to its end, killed after `timeoutMs`. */
export async function run(
  command: string,
  argv: string[],
  options: SpawnOptions & { timeoutMs: number },
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

/** Runs a command to its end and returns its output; throws unless it exits 0. */
export async function must(
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

/**
 * Tries `attempt` every `intervalMs` until it gives a value; fails early when the process
 * exits, and with `notReady` (and the output's tail) past `timeoutMs`.
 */
async function poll<T>(
  p: Started,
  attempt: () => T | undefined | Promise<T | undefined>,
  notReady: string,
  timeoutMs: number,
  intervalMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void p.exited.then(() => {
    exited = true;
  });
  for (;;) {
    const value = await attempt();
    if (value !== undefined) return value;
    if (exited) throw new Error(`exited before it was ready:\n${p.output().slice(-2000)}`);
    if (Date.now() > deadline) throw new Error(`${notReady}:\n${p.output().slice(-2000)}`);
    await sleep(intervalMs);
  }
}

/** Waits until `pattern` shows up in the output; fails early when the process exits. */
export function waitForOutput(
  p: Started,
  pattern: RegExp,
  timeoutMs: number,
): Promise<RegExpMatchArray> {
  return poll(
    p,
    () => p.output().match(pattern) ?? undefined,
    `not ready within ${timeoutMs} ms`,
    timeoutMs,
    50,
  );
}

/** Waits until something answers HTTP at `url`. */
export function waitForHttp(p: Started, url: string, timeoutMs: number): Promise<void> {
  return poll(
    p,
    async () => {
      try {
        await (await fetch(url, { signal: AbortSignal.timeout(1_000) })).arrayBuffer();
        return true;
      } catch {
        return undefined;
      }
    },
    `no HTTP answer at ${url} within ${timeoutMs} ms`,
    timeoutMs,
    100,
  ).then(() => {});
}

/** A port nothing listens on at 127.0.0.1 (now). */
export function freePort(): Promise<number> {
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

/** A runtime binary from its platform package in the consumer's node_modules. */
export function platformBinary(candidates: string[]): string {
  for (const c of candidates) {
    const file = join(consumer, "node_modules", c);
    if (existsSync(file)) return file;
  }
  throw new Error(
    `no binary among ${candidates.join(", ")} (platform ${process.platform}-${process.arch})`,
  );
}

/** The platform packages' name for this CPU. */
export const arch = process.arch === "arm64" ? "arm64" : "x64";
