/**
 * Type tests (`expectTypeOf`, `assertType`, `*.typecheck.ts`) assert nothing when vitest runs
 * them: only `tsc` sees them. `npm test` runs `tsc -p test/tsconfig.types.json` first; this
 * test fails when a file with type assertions is missing from that project (or the step from
 * the script), so a type regression cannot pass `npm test`.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const testDir = fileURLToPath(new URL("..", import.meta.url));
const root = join(testDir, "..");

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.name === "node_modules"
      ? []
      : e.isDirectory()
        ? files(join(dir, e.name))
        : e.name.endsWith(".ts")
          ? [join(dir, e.name)]
          : [],
  );
}

describe("type tests run under npm test", () => {
  it("npm test type-checks test/tsconfig.types.json before vitest runs", () => {
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts.test).toMatch(/^tsc --noEmit -p test\/tsconfig\.types\.json && vitest run/);
  });

  it("every file with type assertions is in test/tsconfig.types.json", () => {
    const config = JSON.parse(readFileSync(join(testDir, "tsconfig.types.json"), "utf8")) as {
      include: string[];
    };
    const withTypeAsserts = files(testDir)
      .filter(
        (f) =>
          f.endsWith(".typecheck.ts") ||
          /\b(expectTypeOf|assertType)\b/.test(readFileSync(f, "utf8")),
      )
      .map((f) => relative(testDir, f).replaceAll("\\", "/"))
      .filter((f) => f !== "types/type-tests-run.test.ts");
    expect(withTypeAsserts.length).toBeGreaterThan(5);
    const covered = (f: string) =>
      config.include.includes(f) ||
      (config.include.includes("**/*.typecheck.ts") && f.endsWith(".typecheck.ts"));
    expect(withTypeAsserts.filter((f) => !covered(f))).toEqual([]);
  });
});
