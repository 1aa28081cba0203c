import { defineConfig } from "tsup";

export default defineConfig({
  entry: {
    index: "src/index.ts",
    "trpc/index": "src/trpc/index.ts",
    "graphql/index": "src/graphql/index.ts",
    "testing/index": "src/testing/index.ts",
    "redis/index": "src/redis/index.ts",
  },
  format: ["esm", "cjs"],
  dts: true,
  clean: true,
  sourcemap: true,
  target: "node20",
  splitting: false,
  treeshake: true,
  external: ["@trpc/server", "graphql", "graphql-yoga", "ioredis", "redis"],
});
