/**
 * Starts throw-away `redis-server` processes on loopback ports for the `scopegate/redis`
 * tests. Each runs under a tiny `sh` watchdog that SIGKILLs it as soon as the watchdog's
 * stdin closes: when the test calls `stop()`, when `stopAllRedisServers()` runs, and when the
 * test process dies in any way (even SIGKILL), since the pipe then closes with it.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Where CI (`.ci/run`) and the Debian package put the server. */
export const REDIS_SERVER = process.env.REDIS_SERVER_BIN ?? "/usr/bin/redis-server";

/**
 * `redis-server "$@"` in the background; a sub-shell waits for EOF on stdin and then kills it.
 * The watchdog removes the server's temp dir and exits with the server.
 */
const WATCHDOG = [
  "exec 3<&0", // background lists get /dev/null as stdin: keep the pipe on fd 3
  '"$SCOPEGATE_REDIS_BIN" "$@" 3<&- &',
  "pid=$!",
  "exec 2>/dev/null", // a "Killed" notice to a dead parent's pipe would SIGPIPE the shell
  "(read _ignored <&3; kill -9 $pid) &",
  "watcher=$!",
  "wait $pid",
  "code=$?",
  "kill $watcher 2>/dev/null",
  'rm -rf "$SCOPEGATE_REDIS_DIR"',
  "exit $code",
].join("\n");

const running = new Set<() => Promise<void>>();
process.once("exit", () => {
  for (const stop of running) void stop();
});

/** Stops every server still running (call it in `afterAll`). */
export async function stopAllRedisServers(): Promise<void> {
  await Promise.all([...running].map((stop) => stop()));
}

/** A free TCP port on 127.0.0.1 (free when asked; used at once). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Sends one inline command over a raw socket; resolves to the first reply line. */
export function rawCommand(port: number, command: string, timeoutMs = 500): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    let data = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer from 127.0.0.1:${port}`));
    }, timeoutMs);
    socket.once("error", (error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    });
    socket.on("data", (chunk) => {
      data += chunk.toString("utf8");
      const end = data.indexOf("\r\n");
      if (end >= 0) {
        clearTimeout(timer);
        socket.destroy();
        resolve(data.slice(0, end));
      }
    });
    socket.write(`${command}\r\n`);
  });
}

/** One running `redis-server`. */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** Stops it (SIGKILL: nothing is saved, connections just drop) and waits for the exit. */
  stop(): Promise<void>;
}

/** Fails the suite with a clear message when the server binary is not installed. */
export function assertRedisServerInstalled(): void {
  if (!existsSync(REDIS_SERVER)) {
    throw new Error(
      `${REDIS_SERVER} not found: the scopegate/redis tests need a real Redis. ` +
        "Install it (Debian/Ubuntu: `apt-get install -y redis-server`) or set REDIS_SERVER_BIN.",
    );
  }
}

/** Options of {@link startRedisServer}. */
export interface StartOptions {
  /** Appended to the command line (e.g. cluster mode). */
  args?: string[];
  /** Run as a Sentinel with this configuration file content (written to a temp dir). */
  sentinelConfig?: string;
  /** A fixed port (e.g. to restart a server where its clients expect it); default a free one. */
  port?: number;
}

/**
 * Starts `redis-server` on a free loopback port with persistence off, and resolves once it
 * answers PING.
 */
export async function startRedisServer(options: StartOptions = {}): Promise<RedisServer> {
  assertRedisServerInstalled();
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = options.port ?? (await freePort());
    const dir = mkdtempSync(join(tmpdir(), "scopegate-redis-"));
    const common = ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir];
    let args: string[];
    if (options.sentinelConfig !== undefined) {
      const config = join(dir, "sentinel.conf");
      writeFileSync(config, options.sentinelConfig);
      args = [config, "--sentinel", ...common];
    } else {
      args = [...common, "--save", "", "--appendonly", "no"];
    }
    args.push(...(options.args ?? []));
    const child = spawn("/bin/sh", ["-c", WATCHDOG, "redis-watchdog", ...args], {
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, SCOPEGATE_REDIS_BIN: REDIS_SERVER, SCOPEGATE_REDIS_DIR: dir },
    });
    child.stdin?.on("error", () => {}); // EPIPE once the watchdog is gone
    let output = "";
    child.stdout?.on("data", (c: Buffer) => {
      output = (output + c.toString("utf8")).slice(-4000);
    });
    child.stderr?.on("data", (c: Buffer) => {
      output = (output + c.toString("utf8")).slice(-4000);
    });
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once("exit", () => resolve());
    });
    child.once("error", (error) => {
      lastError = error;
    });
    const stop = async () => {
      child.stdin?.end(); // the watchdog SIGKILLs the server, waits for it, exits
      await exited;
    };
    running.add(stop);
    exited.then(() => {
      running.delete(stop);
      rmSync(dir, { recursive: true, force: true });
    });
    const deadline = Date.now() + 10_000;
    let up = false;
    while (Date.now() < deadline && child.exitCode === null && child.signalCode === null) {
      try {
        if ((await rawCommand(port, "PING")) === "+PONG") {
          up = true;
          break;
        }
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    if (up) return { port, url: `redis://127.0.0.1:${port}`, stop };
    await stop();
    lastError ??= new Error(`redis-server on port ${port} did not answer PING:\n${output}`);
  }
  throw lastError;
}
