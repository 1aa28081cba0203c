import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

/**
 * A copy of scopegate's core bundled by esbuild, as tsup builds the published package (no
 * `keepNames`): benchmarks measure this rather than the sources run through tsx, whose
 * `keepNames` transform adds a `__name` call to every closure created on the hot path —
 * a cost users of the package never pay.
 *
 * `webcrypto: true` replaces src/core/node-crypto.ts by the test suite's stand-in, so every
 * signature and hash goes through jose / WebCrypto (Workers without `nodejs_compat`, Deno's
 * and browsers' WebCrypto).
 */
export async function bundledScopegate(opts: {
  webcrypto: boolean;
}): Promise<typeof import("scopegate")> {
  const standIn = fileURLToPath(new URL("../../test/support/no-node-crypto.ts", import.meta.url));
  const out = await build({
    entryPoints: [fileURLToPath(new URL("../../src/index.ts", import.meta.url))],
    bundle: true,
    write: false,
    format: "esm",
    platform: "node",
    target: "node20",
    logLevel: "silent",
    plugins: opts.webcrypto
      ? [
          {
            name: "no-node-crypto",
            setup(b) {
              b.onResolve({ filter: /\/node-crypto\.js$/ }, () => ({ path: standIn }));
            },
          },
        ]
      : [],
  });
  const dir = mkdtempSync(join(tmpdir(), "scopegate-bench-"));
  const file = join(dir, opts.webcrypto ? "webcrypto.mjs" : "node.mjs");
  writeFileSync(file, out.outputFiles[0]?.text ?? "");
  return import(pathToFileURL(file).href) as Promise<typeof import("scopegate")>;
}

/**
 * Bundles a script with scopegate's sources into it (esbuild, no `keepNames`, as tsup builds
 * the package) and every other package left as an import; returns the path to run. The
 * bundle is written under `node_modules/.cache/` so that those imports resolve.
 */
export async function bundleScript(entry: string, name: string): Promise<string> {
  const root = fileURLToPath(new URL("../..", import.meta.url));
  const out = join(root, "node_modules", ".cache", "scopegate-bench", `${name}.mjs`);
  await build({
    entryPoints: [entry],
    outfile: out,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    logLevel: "silent",
    // Node built-ins and dependencies stay imports; `scopegate…` resolves to src through
    // tsconfig's paths and is bundled (one copy shared by all its subpaths).
    plugins: [
      {
        name: "dependencies-external",
        setup(b) {
          b.onResolve({ filter: /^[^./]/ }, (args) =>
            args.path === "scopegate" || args.path.startsWith("scopegate/")
              ? undefined
              : { path: args.path, external: true },
          );
        },
      },
    ],
  });
  // Started through a one-line launcher, so that `process.argv[1]` is not the bundle: the
  // examples' "run as main" checks compare it with their own `import.meta.url`, which in a
  // bundle is everyone's.
  const launcher = join(root, "node_modules", ".cache", "scopegate-bench", `${name}-main.mjs`);
  writeFileSync(launcher, `await import(${JSON.stringify(pathToFileURL(out).href)});\n`);
  return launcher;
}
