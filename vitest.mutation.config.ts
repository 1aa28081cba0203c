/**
 * The vitest config Stryker runs (`npm run test:mutation`, stryker.config.mjs): the `node`
 * project of vitest.config.ts only (the `webcrypto` project runs the same core tests again),
 * without the suites that start browsers, child processes or other runtimes, or that time
 * the machine: they kill no mutant of src/core, src/trpc, src/graphql or src/redis that the
 * rest does not, and would multiply the run time.
 */
import { defineConfig, type TestProjectInlineConfiguration } from "vitest/config";
import base from "./vitest.config.js";

export const MUTATION_EXCLUDED = [
  "test/browser/**",
  "test/runtimes/**",
  "test/cli/**",
  "test/examples/**",
  "test/types/**",
  "test/security/bounded-work.test.ts",
];

const projects = (base.test?.projects ?? []) as TestProjectInlineConfiguration[];
const node = projects.find((p) => p.test?.name === "node");
if (!node) throw new Error("vitest.config.ts has no node project");

export default defineConfig({
  test: {
    ...base.test,
    projects: [
      {
        ...node,
        test: {
          ...node.test,
          exclude: [...(node.test?.exclude ?? []), ...MUTATION_EXCLUDED],
        },
      },
    ],
  },
});
