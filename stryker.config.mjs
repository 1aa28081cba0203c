/**
 * Mutation testing (issue 18): `npm run test:mutation` mutates src/core, src/trpc,
 * src/graphql and src/redis and runs the vitest suite against each mutant (in a sandbox copy
 * under .stryker-tmp, never in place). Incremental: results of unchanged code and tests are
 * reused from reports/stryker-incremental.json (kept local, git-ignored: it holds every
 * test's coverage, ~0.7 MB per source file), so a re-run after a change only tests what
 * changed. `node scripts/mutation-summary.mjs` writes MUTATION.md from the report.
 * Not part of `npm test` or CI: a full run takes hours on a 2-core machine.
 *
 * Pass files to run a part: `npm run test:mutation -- --mutate src/core/nonce.ts`.
 *
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: "vitest",
  vitest: { configFile: "vitest.mutation.config.ts" },
  plugins: ["@stryker-mutator/vitest-runner", "@stryker-mutator/typescript-checker"],
  checkers: ["typescript"],
  tsconfigFile: "tsconfig.json",
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  mutate: [
    "src/core/**/*.ts",
    "src/trpc/**/*.ts",
    "src/graphql/**/*.ts",
    "src/redis/**/*.ts",
    "!src/**/*.d.ts",
  ],
  coverageAnalysis: "perTest",
  ignoreStatic: true,
  // The machine is shared (2 cores): at most 2 test processes.
  concurrency: 2,
  timeoutMS: 30_000,
  timeoutFactor: 2,
  incremental: true,
  incrementalFile: "reports/stryker-incremental.json",
  reporters: ["progress", "html", "json"],
  htmlReporter: { fileName: "reports/mutation/mutation.html" },
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  tempDirName: ".stryker-tmp",
  cleanTempDir: "always",
};
