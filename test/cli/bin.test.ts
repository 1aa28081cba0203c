import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestIssuer, type TestIssuer } from "../../src/testing/index.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
/** tsx's loader by absolute URL: the CLI may run in a directory without node_modules. */
const TSX = pathToFileURL(join(root, "node_modules/tsx/dist/loader.mjs")).href;

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer();
});
afterAll(() => issuer.close());

/** Runs the real entry point in a child process: `node --import tsx src/cli/index.ts ...args`. */
function spawnCli(args: string[], cwd = root): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", TSX, join(root, "src/cli/index.ts"), ...args],
      {
        cwd,
        // The root tsconfig maps `scopegate` to src/ (the CLI imports the public entry) from
        // any working directory, without a build.
        env: {
          PATH: process.env.PATH ?? "",
          HOME: process.env.HOME ?? "",
          TSX_TSCONFIG_PATH: join(root, "tsconfig.json"),
        },
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout }));
  });
}

it("the scopegate executable inspects a token and sets the exit code", async () => {
  const token = await issuer.sign({}, { expiresIn: -7200 });
  const { code, stdout } = await spawnCli([
    "inspect",
    token,
    "--issuer",
    issuer.url,
    "--audience",
    issuer.audience,
  ]);
  expect(stdout).toContain("✗ expired 2 h ago");
  expect(code).toBe(1);
});

it("reads ./.env like the Quick start (the issuer and audience come from it)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "scopegate-cli-env-"));
  try {
    writeFileSync(
      join(dir, ".env"),
      `SCOPEGATE_ISSUER=${issuer.url}\nSCOPEGATE_AUDIENCE=${issuer.audience}\n`,
    );
    const token = await issuer.sign({}, { expiresIn: -7200 });
    const { code, stdout } = await spawnCli(["inspect", token], dir);
    expect(stdout).toContain(issuer.url);
    expect(stdout).toMatch(/expired/);
    expect(code).not.toBe(0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 30_000);
