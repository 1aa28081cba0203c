/**
 * The runtime matrix (npm run test:runtimes): the packed `scopegate` tarball, installed in a
 * consumer project outside this repository, runs one shared suite (test/runtimes/suite.ts) on
 * Node 20 / 22 / 24, Bun, Deno, Cloudflare workerd with and without `nodejs_compat`, and
 * Vercel's edge-runtime; the host examples (examples/trpc/hosts/{worker,serve}.ts,
 * examples/graphql/hosts/worker.ts) are served by workerd, Bun and Deno and answer real HTTP
 * requests on 127.0.0.1; `scopegate/testing` is tried on Bun and Deno. Exits 1 on any failure.
 *
 *   npm run test:runtimes                      # build, pack, install, run everything
 *   npm run test:runtimes -- --skip-build      # reuse dist/ as it is
 *   npm run test:runtimes -- --only=bun,workerd-compat
 *   npm run test:runtimes -- --ref=HEAD          # build a commit (git archive), not the work tree
 *   npm run test:runtimes -- --source=../other   # build another checkout of scopegate
 *
 * Versions are pinned in test/runtimes/package.json (+ lockfile, installed with `npm ci`); the
 * consumer lives in $SCOPEGATE_RUNTIMES_DIR or the system temp dir, outside the repository, so
 * nothing can resolve to this repository's sources or node_modules.
 *
 * This file is the order of things; the parts: options.ts (command line, paths, pins),
 * prepare.ts (build, pack, install), bundle.ts (esbuild), processes.ts (child processes),
 * scripts.ts (Node, Bun, Deno), workerd.ts, edge.ts, report.ts (rows and summary).
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { TestIssuer } from "scopegate/testing";
import type { MatrixContext } from "./context.js";
import { edgeRow } from "./edge.js";
import { consumer } from "./options.js";
import { prepare } from "./prepare.js";
import { killAll } from "./processes.js";
import { summarize } from "./report.js";
import { bundleScripts, scriptRows } from "./scripts.js";
import { workerdRow } from "./workerd.js";

/** The packed scopegate/testing on the Node host: tokens and proofs for the host examples. */
async function startIssuer(): Promise<MatrixContext> {
  const packed = (id: string) =>
    pathToFileURL(join(consumer, "node_modules/scopegate/dist", id)).href;
  const testingModule = (await import(
    packed("testing/index.js")
  )) as typeof import("scopegate/testing");
  const core = (await import(packed("index.js"))) as typeof import("scopegate");
  const issuer = await testingModule.createTestIssuer();
  issuerToClose = issuer;
  // The issuer makes a key per algorithm on first use: use each one the host checks sign with,
  // so the static JWKS handed to the GraphQL Worker holds them all.
  for (const alg of ["RS256", "ES256", "PS256", "EdDSA"] as const) await issuer.sign({}, { alg });
  // The suite's discovery-over-loopback case: this issuer, and a token it signed.
  const network = JSON.stringify({
    issuer: issuer.url,
    audience: issuer.audience,
    token: await issuer.sign({ sub: "network-user" }, { expiresIn: 900 }),
  });
  return { issuer, dpopAlgs: core.ASYMMETRIC_ALGORITHMS, network };
}

const began = Date.now();
const timings: string[] = [];
let exitCode = 0;
let issuerToClose: TestIssuer | undefined;
try {
  const { commit } = await prepare();
  timings.push(`build, pack, install ${((Date.now() - began) / 1000).toFixed(1)} s`);
  console.log(`scopegate ${commit}, packed and installed in ${consumer}`);

  const bundles = await bundleScripts();
  const context = await startIssuer();
  await scriptRows(bundles, context);
  await workerdRow(false, context);
  await workerdRow(true, context);
  await edgeRow(context);
} catch (error) {
  console.error(
    `\nruntime matrix could not run: ${error instanceof Error ? error.stack : String(error)}`,
  );
  exitCode = 1;
} finally {
  await issuerToClose?.close().catch(() => {});
  killAll();
}
process.exit(await summarize(timings, began, exitCode));
