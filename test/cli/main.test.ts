import { describe, expect, it } from "vitest";
import { run } from "./helpers.js";

describe("scopegate (commands and help)", () => {
  it.each([
    ["dev", "Usage: scopegate dev"],
    ["token", "Usage: scopegate token"],
    ["inspect", "Usage: scopegate inspect"],
  ])("%s --help prints its usage and exits 0", async (command, usage) => {
    const long = await run([command, "--help"]);
    expect(long).toMatchObject({ code: 0, stderr: "" });
    expect(long.stdout).toContain(usage);
    expect((await run([command, "-h"])).stdout).toBe(long.stdout);
    expect((await run(["help", command])).stdout).toBe(long.stdout);
  });

  it("--help lists the commands; no command is a usage error", async () => {
    const help = await run(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/dev .*\n.*token .*\n.*proof .*\n.*inspect /);
    const none = await run([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("Usage: scopegate <command>");
  });

  it("unknown commands and options exit 2 with a hint", async () => {
    const unknown = await run(["mint"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "mint"');
    expect((await run(["help", "mint"])).code).toBe(2);
    expect((await run(["toString"])).code).toBe(2);
    const option = await run(["dev", "--prot", "1"]);
    expect(option.code).toBe(2);
    expect(option.stderr).toContain("Run `scopegate dev --help`.");
    expect((await run(["dev", "--port", "99999"])).stderr).toContain("--port must be");
  });
});
