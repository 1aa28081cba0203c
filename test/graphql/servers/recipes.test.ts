/**
 * The README's "GraphQL servers" blocks are the `#region recipe` parts of
 * examples/graphql/servers/*.ts, which the other tests in this folder run. This keeps them
 * short and importing only public names.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const recipes = ["graphql-http", "mercurius", "envelop", "graphql-ws"] as const;
const read = (name: string) =>
  readFileSync(new URL(`../../../examples/graphql/servers/${name}.ts`, import.meta.url), "utf8");

/** The lines between `// #region recipe` and `// #endregion recipe`, dedented. */
function recipeOf(name: string): string {
  const match = /\/\/ #region recipe\n([\s\S]*?)\n\s*\/\/ #endregion recipe/.exec(read(name));
  if (!match?.[1]) throw new Error(`${name}: no recipe region`);
  const lines = match[1].split("\n");
  const indent = Math.min(
    ...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)?.[0].length ?? 0),
  );
  return lines.map((l) => l.slice(indent)).join("\n");
}

describe("server recipes", () => {
  for (const name of recipes) {
    it(`${name}: a short block, imports from scopegate's public entry points only`, () => {
      const recipe = recipeOf(name);
      expect(recipe.split("\n").length).toBeLessThanOrEqual(15);
      const imports = [...read(name).matchAll(/from "([^"]+)"/g)].map((m) => m[1]);
      const ours = imports.filter((i) => i?.startsWith("scopegate") || i?.includes("/src/"));
      expect(ours.every((i) => i === "scopegate" || i === "scopegate/graphql")).toBe(true);
    });
  }
});
