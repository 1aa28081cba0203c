/**
 * `scopegate dev` keeps its signing keys in a file (issue 14): a restart keeps the kids, so a
 * running API keeps accepting tokens, those minted before the restart included; a bad key
 * file is reported in one line and replaced only with --new-keys; a busy port is one line.
 */
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeProtectedHeader } from "jose";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { defaultKeyFile } from "../../src/cli/dev-keys.js";
import { createAuth } from "../../src/index.js";
import { occupiedPort } from "../support/ports.js";
import { type DevRun, run, startDev } from "./helpers.js";

const running: DevRun[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((dev) => dev.stop()));
});

async function dev(args: string[], env: Record<string, string> = {}): Promise<DevRun> {
  const started = await startDev(args, env);
  running.push(started);
  return started;
}

async function stop(started: DevRun): Promise<void> {
  running.splice(running.indexOf(started), 1);
  expect(await started.stop()).toBe(0);
}

const temporary: string[] = [];
afterAll(async () => {
  await Promise.all(temporary.map((dir) => rm(dir, { recursive: true, force: true })));
});
const tempDir = async () => {
  const dir = await mkdtemp(join(tmpdir(), "scopegate-dev-keys-"));
  temporary.push(dir);
  return dir;
};

async function freePort(): Promise<number> {
  const held = await occupiedPort();
  await held.close();
  return held.port;
}

const mint = async (issuer: string, scope = "read:messages") => {
  const { code, stdout, stderr } = await run(["token", "--scope", scope, "--issuer", issuer]);
  expect(stderr).toBe("");
  expect(code).toBe(0);
  return stdout.trim();
};

describe("scopegate dev keeps its keys across restarts", () => {
  it("a token minted before a restart verifies after it, and the running API takes new ones", async () => {
    const dir = await tempDir();
    const file = join(dir, "keys.json");
    const port = String(await freePort());
    const first = await dev(["--keys", file, "--port", port]);
    expect(first.output()).toContain(`#   keys       ${file} (new; kept across restarts)`);
    const before = await mint(first.issuer);
    // The API keeps its verifier (and its cached JWKS) across the dev issuer's restart.
    const api = createAuth({ issuer: first.issuer, audience: first.audience });
    await api.verify(before);

    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(await readFile(file, "utf8")) as { keys: { kid: string }[] };
    expect(saved.keys).toHaveLength(1);
    expect(saved.keys[0]).toHaveProperty("d");
    await stop(first);

    const second = await dev(["--keys", file, "--port", port]);
    expect(second.issuer).toBe(first.issuer);
    expect(second.output()).toContain(`#   keys       ${file} (kept across restarts)`);
    const after = await mint(second.issuer);
    expect(decodeProtectedHeader(after).kid).toBe(saved.keys[0]?.kid);
    await expect(api.verify(after)).resolves.toMatchObject({ scope: "read:messages" });
    const fresh = createAuth({ issuer: second.issuer, audience: second.audience });
    await expect(fresh.verify(before)).resolves.toMatchObject({ scope: "read:messages" });
  });

  it("--no-persist makes new keys each start: an old token no longer verifies", async () => {
    const port = String(await freePort());
    const first = await dev(["--no-persist", "--port", port]);
    expect(first.output()).toContain("#   keys       in memory only (--no-persist)");
    const before = await mint(first.issuer);
    await stop(first);
    const second = await dev(["--no-persist", "--port", port]);
    const fresh = createAuth({ issuer: second.issuer, audience: second.audience });
    await expect(fresh.verify(before)).rejects.toMatchObject({ status: 401 });
  });

  it("keeps the file under $XDG_CACHE_HOME/scopegate (0700 directory, 0600 file) by default", async () => {
    const cache = await tempDir();
    const started = await dev([], { XDG_CACHE_HOME: cache });
    const file = join(cache, "scopegate", "dev-keys.json");
    expect(started.output()).toContain(`#   keys       ${file} (new; kept across restarts)`);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(join(cache, "scopegate"))).mode & 0o777).toBe(0o700);
  });

  it("finds the default file from XDG_CACHE_HOME, HOME or LOCALAPPDATA", () => {
    expect(defaultKeyFile({ XDG_CACHE_HOME: "/c", HOME: "/h" }, "linux")).toBe(
      "/c/scopegate/dev-keys.json",
    );
    expect(defaultKeyFile({ HOME: "/h" }, "darwin")).toBe("/h/.cache/scopegate/dev-keys.json");
    expect(defaultKeyFile({ LOCALAPPDATA: "/l", HOME: "/h" }, "win32")).toMatch(
      /^[\\/]l[\\/]scopegate[\\/]dev-keys\.json$/,
    );
    expect(defaultKeyFile({}, "linux")).toBeUndefined();
  });
});

describe("scopegate dev with a bad key file", () => {
  const oneLine = (stderr: string) => {
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr).not.toMatch(/\n\s+at /);
  };

  it("says what is wrong and how to fix it, and replaces the file only with --new-keys", async () => {
    const dir = await tempDir();
    const file = join(dir, "dev-keys.json");
    await writeFile(file, "{ not json", { mode: 0o600 });
    const broken = await run(["dev", "--port", "0", "--keys", file]);
    expect(broken.code).toBe(1);
    oneLine(broken.stderr);
    expect(broken.stderr).toContain("the dev key file is not JSON");
    expect(broken.stderr).toContain("--new-keys");
    expect(broken.stderr).toContain(file);
    expect(await readFile(file, "utf8")).toBe("{ not json");

    await writeFile(file, JSON.stringify({ keys: [{ kty: "RSA", alg: "RS256", kid: "x" }] }));
    const unusable = await run(["dev", "--port", "0", "--keys", file]);
    expect(unusable.code).toBe(1);
    oneLine(unusable.stderr);
    expect(unusable.stderr).toContain("unusable key (keys[0] is not a private key");

    await writeFile(file, JSON.stringify({ hello: "world" }));
    const shape = await run(["dev", "--port", "0", "--keys", file]);
    expect(shape.stderr).toContain('has no "keys" list of JWKs');

    const replaced = await dev(["--keys", file, "--new-keys"]);
    expect(replaced.output()).toContain("(new; kept across restarts)");
    const saved = JSON.parse(await readFile(file, "utf8")) as { keys: { d?: string }[] };
    expect(saved.keys[0]?.d).toBeTypeOf("string");
  });

  it("reports a file it cannot read, and warns about one others can read", async () => {
    const dir = await tempDir();
    const notAFile = join(dir, "a-directory");
    await mkdir(notAFile);
    const unreadable = await run(["dev", "--port", "0", "--keys", notAFile]);
    expect(unreadable.code).toBe(1);
    oneLine(unreadable.stderr);
    expect(unreadable.stderr).toContain("cannot read the dev key file (EISDIR)");

    const file = join(dir, "keys.json");
    await stop(await dev(["--keys", file]));
    await chmod(file, 0o644);
    const loose = await dev(["--keys", file]);
    expect(loose.output()).toContain("(kept across restarts)");
    expect(loose.errors()).toContain(`warning: ${file} is readable by other users (mode 644)`);
  });

  it("refuses --keys with --no-persist, and --new-keys without a file", async () => {
    const both = await run(["dev", "--keys", "/tmp/x.json", "--no-persist"]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("--keys and --no-persist exclude each other");
    const nothing = await run(["dev", "--no-persist", "--new-keys"]);
    expect(nothing.code).toBe(2);
  });
});

describe("scopegate dev on a busy port", () => {
  it("prints one line naming the port and the --port flag, and exits 1", async () => {
    const held = await occupiedPort();
    try {
      const busy = await run(["dev", "--port", String(held.port), "--no-persist"]);
      expect(busy.code).toBe(1);
      expect(busy.stdout).toBe("");
      expect(busy.stderr.trim().split("\n")).toHaveLength(1);
      expect(busy.stderr).toContain(`port ${held.port} on 127.0.0.1 is in use`);
      expect(busy.stderr).toContain("--port");
      expect(busy.stderr).not.toContain("EADDRINUSE");
    } finally {
      await held.close();
    }
  });
});
