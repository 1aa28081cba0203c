/**
 * The runtime matrix's command line, paths and pins: what `run.ts` was asked to do, where the
 * consumer project lives (outside the repository), and the versions test/runtimes/package.json
 * pins.
 */
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** This repository. */
export const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
/** The suite, its entries and the consumer's pins. */
export const matrixDir = join(root, "test/runtimes");
export const work = resolve(
  process.env.SCOPEGATE_RUNTIMES_DIR ?? join(tmpdir(), "scopegate-runtime-matrix"),
);
/** The consumer project: the pinned runtimes and peers, the packed tarball, the copied suite. */
export const consumer = join(work, "consumer");
/** The bundles and the workerd configs. */
export const out = join(consumer, "out");

const args = process.argv.slice(2);
const value = (name: string) =>
  args.find((a) => a.startsWith(`--${name}=`))?.slice(`--${name}=`.length);
export const skipBuild = args.includes("--skip-build");
/** --ref=REV: build that commit's files (git archive), not the work tree. */
export const ref = value("ref");
/** --source=DIR: build another checkout. */
export const sourceDir = value("source");
/** --only=a,b: the rows named so, or named so with a `-suffix`. */
export const only = value("only")?.split(",");
export const wanted = (name: string) =>
  !only || only.some((o) => name === o || name.startsWith(`${o}-`));

export interface WorkerdSettings {
  compatibilityDate: string;
  compatibilityFlags: string[];
}

interface Pins {
  dependencies: Record<string, string>;
  runtimeMatrix: {
    node: string[];
    workerd: Record<"plain" | "compat", WorkerdSettings>;
  };
}
export const pins = JSON.parse(await readFile(join(matrixDir, "package.json"), "utf8")) as Pins;
