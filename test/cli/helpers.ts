import { main } from "../../src/cli/main.js";

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
  /** Aborts the signal and resolves to the exit code once the server is closed. */
  stop(): Promise<number>;
}

/** Starts `scopegate dev --port 0 ...args` and waits until it printed its welcome. */
export async function startDev(args: string[] = []): Promise<DevRun> {
  const controller = new AbortController();
  let stdout = "";
  let stderr = "";
  let finished: number | undefined;
  const done = main(["dev", "--port", "0", ...args], {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    env: {},
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
    stop: () => {
      controller.abort();
      return done;
    },
  };
}
