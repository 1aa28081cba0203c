/**
 * The runtime matrix's edge-runtime row: Vercel's edge runtime (what `next dev` runs edge
 * routes in), on the host's Node, evaluates the suite bundled as an edge-light classic script
 * and answers `GET /suite`.
 */
import { join, relative } from "node:path";
import { bundle } from "./bundle.js";
import type { MatrixContext } from "./context.js";
import { consumer, pins } from "./options.js";
import { freePort, start, waitForOutput } from "./processes.js";
import { addSuite, fetchSuiteReport, row } from "./report.js";

export async function edgeRow({ network }: MatrixContext): Promise<void> {
  await row("edge-runtime", `edge-runtime ${pins.dependencies["edge-runtime"]}`, async (r) => {
    const file = await bundle("test/runtimes/entry-edge.ts", "edge", "suite-edge.js");
    r.detail = `on Node ${process.version}; esbuild neutral, conditions edge-light/worker/browser, classic script`;
    const cli = join(consumer, "node_modules/edge-runtime/dist/cli/index.js");
    const p = start(process.execPath, [
      cli,
      "--listen",
      relative(consumer, file),
      "--port",
      String(await freePort()),
    ]);
    try {
      const [origin] = await waitForOutput(p, /http:\/\/127\.0\.0\.1:\d+/, 30_000);
      addSuite(r, await fetchSuiteReport(origin, network, () => `\n${p.output()}`));
    } finally {
      await p.stop();
    }
  });
}
