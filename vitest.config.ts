import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// Examples and tests import the package by its public name, resolved to the sources.
const alias = [
  // One graphql module for everyone: without it Vite loads graphql's ESM build for our sources
  // while graphql-yoga (loaded by Node) gets the CJS build, and graphql-js refuses two realms.
  { find: /^graphql$/, replacement: createRequire(import.meta.url).resolve("graphql") },
  { find: /^scopegate$/, replacement: here("./src/index.ts") },
  { find: /^scopegate\/(trpc|graphql|testing|redis)$/, replacement: here("./src/$1/index.ts") },
];

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 20_000,
    projects: [
      {
        extends: true,
        resolve: { alias },
        test: { name: "node", include: ["test/**/*.test.ts"] },
      },
      {
        extends: true,
        // The same core suites on a runtime without node:crypto: every signature, hash and
        // HMAC then goes through jose / WebCrypto.
        resolve: {
          alias: [
            {
              find: /^\.\/node-crypto\.js$/,
              replacement: here("./test/support/no-node-crypto.ts"),
            },
            ...alias,
          ],
        },
        test: { name: "webcrypto", include: ["test/core/**/*.test.ts"] },
      },
    ],
  },
});
