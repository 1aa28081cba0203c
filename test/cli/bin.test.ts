import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestIssuer, type TestIssuer } from "../../src/testing/index.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer();
});
afterAll(() => issuer.close());

/** Runs the real entry point in a child process: `node --import tsx src/cli/index.ts ...args`. */
function spawnCli(args: string[]): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli/index.ts", ...args], {
      cwd: root,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" },
      stdio: ["ignore", "pipe", "inherit"],
    });
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
