#!/usr/bin/env node
/**
 * The `scopegate` executable: `scopegate dev`, `scopegate token`, `scopegate proof`,
 * `scopegate inspect`.
 * Everything but the process wiring lives in {@link main}.
 *
 * @packageDocumentation
 */
import { existsSync, readFileSync } from "node:fs";
import { parseEnv } from "node:util";
import { main } from "./main.js";

/**
 * The environment with `./.env` under it, as the README's Quick start loads it: variables
 * that are set win; a missing `.env` is no error.
 */
function environment(): Record<string, string | undefined> {
  if (!existsSync(".env")) return process.env;
  return { ...parseEnv(readFileSync(".env", "utf8")), ...process.env };
}

const controller = new AbortController();
// Only `dev` runs until stopped: it closes its server cleanly on the first SIGINT / SIGTERM;
// a second one exits at once. Other commands keep Node's default signal handling.
if (process.argv[2] === "dev") {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(signal === "SIGINT" ? 130 : 143);
    stopping = true;
    controller.abort();
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: environment(),
  signal: controller.signal,
  stdin: process.stdin,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `scopegate: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
