import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "scopegate-readme-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The README's Quick start code, importing this checkout's source, as a runnable file. */
function quickStart(): string {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Quick start (Auth0)"));
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (!code) throw new Error("no ts block in the Quick start");
  const file = join(dir, "quick-start.ts");
  writeFileSync(
    file,
    `${code.replace('from "scopegate"', `from ${JSON.stringify(join(ROOT, "src/index.ts"))}`)}\nconsole.log(JSON.stringify(auth.stats));\n`,
  );
  return file;
}

describe("README Quick start", () => {
  const env = { ...process.env };
  delete env.AUTH0_DOMAIN; // .env never overrides a variable that is set, even to ""
  delete env.AUTH0_AUDIENCE;
  const tsx = join(ROOT, "node_modules", ".bin", "tsx");

  it("runs where there is no .env (containers, CI): the variables come from the environment", async () => {
    const file = quickStart();
    const { stdout } = await run(tsx, [file], {
      cwd: dir,
      env: { ...env, AUTH0_DOMAIN: "tenant.us.auth0.com", AUTH0_AUDIENCE: "https://api" },
    });
    expect(stdout).toContain('"verifications":0');
  }, 60_000);

  it("reads .env when there is one", async () => {
    const file = quickStart();
    writeFileSync(
      join(dir, ".env"),
      "AUTH0_DOMAIN=tenant.us.auth0.com\nAUTH0_AUDIENCE=https://api\n",
    );
    const { stdout } = await run(tsx, [file], { cwd: dir, env });
    expect(stdout).toContain('"verifications":0');
  }, 60_000);
});
