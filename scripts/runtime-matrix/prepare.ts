/**
 * The runtime matrix's consumer project: builds and packs scopegate (the work tree, a commit
 * with --ref, another checkout with --source), installs the pinned runtimes and peers (`npm ci`
 * when the pins changed) and the fresh tarball, and copies the suite and the examples in, so
 * that every import resolves there and nothing to this repository.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { copyFile, mkdir, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { consumer, matrixDir, out, ref, root, skipBuild, sourceDir, work } from "./options.js";
import { must } from "./processes.js";

/** What is copied into the consumer (`src/` there); test/runtimes/suite/ comes whole. */
const COPIED = [
  "test/runtimes/cases.ts",
  "test/runtimes/suite.ts",
  "test/runtimes/entry-script.ts",
  "test/runtimes/entry-worker.ts",
  "test/runtimes/entry-edge.ts",
  "test/runtimes/entry-testing.ts",
  "examples/auth-from-env.ts",
  "examples/trpc/router.ts",
  "examples/trpc/hosts/worker.ts",
  "examples/trpc/hosts/serve.ts",
  "examples/graphql/schema.ts",
  "examples/graphql/hosts/worker.ts",
];

const sha = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
const describe = (dir: string) =>
  must("git", ["-C", dir, "describe", "--always", "--dirty"], root, 10_000);

/** Builds and packs the package; `commit` says what was built. */
async function pack(): Promise<{ source: string; tarball: string; commit: string }> {
  // The package is built from the work tree, or with --ref from that commit's files alone
  // (exported with git archive, beside the repository's node_modules).
  let source = root;
  let commit = (await describe(root)).trim();
  if (ref) {
    source = join(work, "source");
    await rm(source, { recursive: true, force: true });
    await mkdir(source, { recursive: true });
    await must(
      "sh",
      ["-c", `git -C "$0" archive "$1" | tar -x -C "$2"`, root, ref, source],
      root,
      60_000,
    );
    await symlink(join(root, "node_modules"), join(source, "node_modules"));
    commit = (await must("git", ["rev-parse", "--short", ref], root, 10_000)).trim();
  }
  if (sourceDir) {
    source = resolve(sourceDir);
    if (!existsSync(join(source, "node_modules"))) {
      await symlink(join(root, "node_modules"), join(source, "node_modules"));
    }
    commit = `${source} (${(await describe(source).catch(() => "not a git checkout")).trim()})`;
  }
  if (!skipBuild || ref) await must("npm", ["run", "build", "--silent"], source, 180_000);
  const packed = await must(
    "npm",
    ["pack", "--silent", "--pack-destination", work],
    source,
    60_000,
  );
  return { source, tarball: join(work, packed.trim().split("\n").pop() ?? ""), commit };
}

/** The pinned runtimes and peers: `npm ci` only when the pins changed (the consumer is reused). */
async function installPins(): Promise<void> {
  const manifest = await readFile(join(matrixDir, "package.json"), "utf8");
  const lock = await readFile(join(matrixDir, "package-lock.json"), "utf8");
  const stamp = sha(manifest + lock + process.version);
  const stampFile = join(consumer, ".installed");
  const current = existsSync(stampFile) ? await readFile(stampFile, "utf8") : "";
  if (current !== stamp || !existsSync(join(consumer, "node_modules"))) {
    await rm(consumer, { recursive: true, force: true });
    await mkdir(consumer, { recursive: true });
    await writeFile(join(consumer, "package.json"), manifest);
    await writeFile(join(consumer, "package-lock.json"), lock);
    // Install scripts off: every runtime binary is taken from its platform package.
    await must("npm", ["ci", "--ignore-scripts", "--no-audit", "--no-fund"], consumer, 300_000);
    await writeFile(stampFile, stamp);
  }
}

/** Builds, packs and installs scopegate in the consumer, with the suite and the examples. */
export async function prepare(): Promise<{ tarball: string; commit: string }> {
  await mkdir(work, { recursive: true });
  const { source, tarball, commit } = await pack();
  await installPins();
  // The tarball under test, fresh every run.
  await rm(join(consumer, "node_modules/scopegate"), { recursive: true, force: true });
  await must(
    "npm",
    ["install", "--no-save", "--ignore-scripts", "--no-audit", "--no-fund", tarball],
    consumer,
    120_000,
  );
  const installed = await readFile(join(consumer, "node_modules/scopegate/dist/index.js"));
  const built = await readFile(join(source, "dist/index.js"));
  if (sha(installed) !== sha(built))
    throw new Error("the installed scopegate is not the one just built");

  // The suite and the examples, copied into the consumer so that every import resolves there.
  await rm(join(consumer, "src"), { recursive: true, force: true });
  await rm(out, { recursive: true, force: true });
  const suiteDir = "test/runtimes/suite";
  const suiteFiles = (await readdir(join(root, suiteDir))).map((name) => `${suiteDir}/${name}`);
  for (const file of [...COPIED, ...suiteFiles]) {
    await mkdir(dirname(join(consumer, "src", file)), { recursive: true });
    await copyFile(join(root, file), join(consumer, "src", file));
  }
  return { tarball, commit };
}
