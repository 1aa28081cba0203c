import { defineConfig } from "tsup";

export default defineConfig({
  entry: {
    index: "src/index.ts",
    "trpc/index": "src/trpc/index.ts",
    "graphql/index": "src/graphql/index.ts",
    "testing/index": "src/testing/index.ts",
    "redis/index": "src/redis/index.ts",
    // The `scopegate` bin; src/cli/index.ts carries the shebang (tsup keeps it, marks it executable).
    cli: "src/cli/index.ts",
  },
  format: ["esm", "cjs"],
  dts: true,
  clean: true,
  sourcemap: true,
  target: "node20",
  splitting: false,
  treeshake: true,
  // Adapters import the core by its public name: keep it external so every subpath shares one
  // core at run time (one set of caches, and `instanceof AuthError` holds across subpaths).
  external: ["scopegate", "@trpc/server", "graphql", "graphql-yoga", "ioredis", "redis"],
});
