/**
 * The runtime matrix's bundles: each entry built from the consumer project the way its
 * platform builds it, with a check that nothing came from outside the consumer.
 */
import { join, relative, resolve } from "node:path";
import * as esbuild from "esbuild";
import { consumer, out } from "./options.js";

export type Flavor = "script" | "worker" | "worker-compat" | "edge";

const neutral: esbuild.BuildOptions = {
  platform: "neutral",
  mainFields: ["browser", "module", "main"],
};
const workerd: esbuild.BuildOptions = {
  ...neutral,
  format: "esm",
  conditions: ["workerd", "worker", "browser"],
};

/**
 * `script` (Node, Bun, Deno) bundles only the relative files and leaves every package to the
 * runtime's resolver; `worker` is wrangler's build (neutral platform, `workerd` / `worker` /
 * `browser` conditions, ESM), `worker-compat` the same with `node:*` external (what wrangler
 * does under `nodejs_compat`); `edge` is the edge-light build as a classic script
 * (edge-runtime evaluates a script, as Next.js does).
 */
const FLAVORS: Record<Flavor, esbuild.BuildOptions> = {
  script: { platform: "node", format: "esm", packages: "external" },
  worker: workerd,
  "worker-compat": { ...workerd, external: ["node:*"] },
  edge: { ...neutral, format: "iife", conditions: ["edge-light", "worker", "browser"] },
};

/** Bundles `entry` (a path under the consumer's `src/`) into `out/<outName>`; returns its path. */
export async function bundle(entry: string, flavor: Flavor, outName: string): Promise<string> {
  const outfile = join(out, outName);
  const result = await esbuild.build({
    entryPoints: [join(consumer, "src", entry)],
    outfile,
    bundle: true,
    target: "es2022",
    metafile: true,
    logLevel: "silent",
    absWorkingDir: consumer,
    // No tsconfig from anywhere: the repository's `paths` map scopegate to its sources.
    tsconfigRaw: "{}",
    ...FLAVORS[flavor],
  });
  for (const input of Object.keys(result.metafile?.inputs ?? {})) {
    const file = resolve(consumer, input);
    if (relative(consumer, file).startsWith("..")) {
      throw new Error(`${outName}: ${input} was bundled from outside the consumer project`);
    }
  }
  return outfile;
}
