import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (p: string) => fileURLToPath(new URL(`./src/${p}`, import.meta.url));

export default defineConfig({
  resolve: {
    // Examples and tests import the package by its public name, resolved to the sources.
    alias: [
      { find: /^scopegate$/, replacement: src("index.ts") },
      { find: /^scopegate\/(trpc|graphql|testing|redis)$/, replacement: src("$1/index.ts") },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
