import { defineConfig } from "tsup";

// Adapters import the core by its public name: keep it external so every subpath shares one
// core at run time (one set of caches, and `instanceof AuthError` holds across subpaths).
// The subpaths too (`scopegate/graphql` from `scopegate/apollo`): by name alone the declaration
// build would follow tsconfig's paths and copy their types into a shared chunk.
const external = [
  "scopegate",
  /^scopegate\//,
  "@trpc/server",
  "graphql",
  "graphql-yoga",
  "@apollo/server",
  "ioredis",
  "redis",
];

export default defineConfig([
  {
    entry: {
      index: "src/index.ts",
      "trpc/index": "src/trpc/index.ts",
      "graphql/index": "src/graphql/index.ts",
      "testing/index": "src/testing/index.ts",
      "redis/index": "src/redis/index.ts",
      "apollo/index": "src/apollo/index.ts",
    },
    format: ["esm", "cjs"],
    dts: true,
    clean: true,
    sourcemap: true,
    target: "node20",
    splitting: false,
    treeshake: true,
    external,
  },
  {
    // The `scopegate` bin (no types); src/cli/index.ts carries the shebang, which tsup keeps
    // and marks executable.
    entry: { cli: "src/cli/index.ts" },
    format: ["esm"],
    dts: false,
    clean: false,
    sourcemap: true,
    target: "node20",
    external,
  },
]);
