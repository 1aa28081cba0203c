import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);

describe("npm run demo", () => {
  it("starts both examples on the embedded issuer and shows 401 / 200 / 403", async () => {
    const env = { ...process.env, AUTH0_DOMAIN: "", AUTH0_AUDIENCE: "", SCOPEGATE_ISSUER: "" };
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
  }, 90_000);
});
