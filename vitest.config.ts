import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { configDefaults, defineConfig } from "vitest/config";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// Examples and tests import the package by its public name, resolved to the sources.
const alias = [
  // One graphql module for everyone: without it Vite loads graphql's ESM build for our sources
  // while graphql-yoga (loaded by Node) gets the CJS build, and graphql-js refuses two realms.
  { find: /^graphql$/, replacement: createRequire(import.meta.url).resolve("graphql") },
  { find: /^scopegate$/, replacement: here("./src/index.ts") },
  {
    find: /^scopegate\/(trpc|graphql|testing|redis|apollo)$/,
    replacement: here("./src/$1/index.ts"),
  },
];

/**
 * Suites that need a program from the system, not from npm: without it, `npm test` skips them
 * with the one install line (a machine with Node and npm only passes); with `CI` set (`.ci/run`
 * installs both) a missing program fails those suites instead, with the same line.
 */
const SYSTEM_PROGRAMS = [
  {
    files: "test/redis/**",
    program: process.env.REDIS_SERVER_BIN ?? "/usr/bin/redis-server",
    install: "apt-get install -y redis-server (or set REDIS_SERVER_BIN)",
  },
  {
    files: "test/browser/**",
    program: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
    install: "apt-get install -y chromium (or set CHROMIUM_PATH)",
  },
];
const missing = SYSTEM_PROGRAMS.filter((s) => !existsSync(s.program));
const skipped = process.env.CI ? [] : missing.map((s) => s.files);
// Once per run: the config is loaded again in worker processes, which inherit this variable.
for (const s of process.env.SCOPEGATE_SYSTEM_REPORTED ? [] : missing) {
  process.stderr.write(
    process.env.CI
      ? `\n${s.files} needs ${s.program}, which is missing: ${s.install}\n`
      : `\nSKIPPED ${s.files}: needs ${s.program}. To run it: ${s.install}\n`,
  );
}

process.env.SCOPEGATE_SYSTEM_REPORTED = "1";

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 20_000,
    projects: [
      {
        extends: true,
        resolve: { alias },
        test: {
          name: "node",
          include: ["test/**/*.test.ts"],
          exclude: [...configDefaults.exclude, ".stryker-tmp/**", ...skipped],
        },
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
