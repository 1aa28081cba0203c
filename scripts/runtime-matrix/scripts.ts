/**
 * The runtime matrix's script runtimes: Node (the host's, and the pinned majors through npx),
 * Bun and Deno run the suite and the `scopegate/testing` check as scripts and print their
 * reports; Bun and Deno also serve examples/trpc/hosts/serve.ts for the tRPC host checks.
 */
import { type CaseResult, runCases } from "../../test/runtimes/cases.js";
import { trpcHostCases } from "../../test/runtimes/hosts.js";
import { bundle } from "./bundle.js";
import type { MatrixContext } from "./context.js";
import { pins } from "./options.js";
import { arch, platformBinary, run, start, waitForOutput } from "./processes.js";
import { addSuite, failed, parseReport, row } from "./report.js";

/** The script bundles: the suite, the `scopegate/testing` check, the Bun/Deno tRPC example. */
export interface ScriptBundles {
  suite: string;
  testing: string;
  serve: string;
}

export async function bundleScripts(): Promise<ScriptBundles> {
  return {
    suite: await bundle("test/runtimes/entry-script.ts", "script", "suite.mjs"),
    testing: await bundle("test/runtimes/entry-testing.ts", "script", "testing.mjs"),
    serve: await bundle("examples/trpc/hosts/serve.ts", "script", "trpc-serve.mjs"),
  };
}

const bun = arch === "arm64" ? "aarch64" : "x64";
const bunBinary = () =>
  platformBinary([
    `@oven/bun-${process.platform}-${bun}/bin/bun`,
    `@oven/bun-${process.platform}-${bun}-baseline/bin/bun`,
  ]);
const denoBinary = () =>
  platformBinary([
    `@deno/${process.platform}-${arch}-glibc/deno`,
    `@deno/${process.platform}-${arch}/deno`,
  ]);

/** Runs a script entry to its end and returns its report. */
async function scriptReport(command: string, argv: string[], timeoutMs = 120_000) {
  const r = await run(command, argv, { timeoutMs });
  if (r.timedOut) throw new Error(`timed out after ${timeoutMs} ms:\n${r.output.slice(-3000)}`);
  return parseReport(r.output);
}

/** Serves examples/trpc/hosts/serve.ts and runs the tRPC host checks against it. */
async function serveExample(
  command: string,
  argv: string[],
  { issuer, dpopAlgs }: MatrixContext,
): Promise<CaseResult[]> {
  const p = start(command, argv, {
    env: { PORT: "0", SCOPEGATE_ISSUER: issuer.url, SCOPEGATE_AUDIENCE: issuer.audience },
  });
  try {
    const [, url] = (await waitForOutput(
      p,
      /listening on (http:\/\/127\.0\.0\.1:\d+\/trpc)/,
      20_000,
    )) as [string, string];
    return await runCases(trpcHostCases({ url, issuer, dpopAlgs }), 15_000);
  } catch (error) {
    return failed("serve.ts start", error);
  } finally {
    await p.stop();
  }
}

/**
 * One script runtime's row: the suite; with `serve`, the tRPC example under the runtime's own
 * server (`label` names it); the `scopegate/testing` check. `runArgs` go before the script.
 */
async function scriptRow(
  name: string,
  version: string,
  binary: () => string,
  runArgs: string[],
  bundles: ScriptBundles,
  context: MatrixContext,
  serve?: { label: string; args: string[] },
): Promise<void> {
  await row(name, version, async (r) => {
    const command = binary();
    addSuite(r, await scriptReport(command, [...runArgs, bundles.suite, context.network]));
    if (serve) {
      r.parts[`examples/trpc/hosts/serve.ts (${serve.label})`] = await serveExample(
        command,
        [...serve.args, bundles.serve],
        context,
      );
    }
    r.parts["scopegate/testing"] = (
      await scriptReport(command, [...runArgs, bundles.testing])
    ).results;
  });
}

/** The rows node20 (the host's Node), node22 / node24 (the pinned ones), bun, deno. */
export async function scriptRows(bundles: ScriptBundles, context: MatrixContext) {
  const host = () => process.execPath;
  await scriptRow("node20", `node ${process.version}`, host, [], bundles, context);
  for (const version of pins.runtimeMatrix.node) {
    const major = version.split(".")[0];
    await row(`node${major}`, `node v${version}`, async (r) => {
      const npx = ["-y", "-p", `node@${version}`, "--", "node"];
      const report = await scriptReport("npx", [...npx, bundles.suite, context.network], 240_000);
      if (report.runtime !== `node v${version}`) throw new Error(`ran on ${report.runtime}`);
      addSuite(r, report);
    });
  }
  await scriptRow("bun", `bun ${pins.dependencies.bun}`, bunBinary, [], bundles, context, {
    label: "Bun.serve",
    args: [],
  });
  await scriptRow(
    "deno",
    `deno ${pins.dependencies.deno}`,
    denoBinary,
    ["run", "-A"],
    bundles,
    context,
    { label: "Deno.serve", args: ["run", "--allow-net", "--allow-env", "--allow-read"] },
  );
}
