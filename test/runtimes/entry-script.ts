/**
 * Runtime-matrix entry for Node, Bun and Deno: runs the shared suite and prints its report
 * (one marked JSON line) for the driver, scripts/runtime-matrix/run.ts. Exits 1 on a failure.
 */
import { RESULTS_MARKER } from "./cases.js";
import { runSuite } from "./suite.js";

const report = await runSuite();
console.log(RESULTS_MARKER + JSON.stringify(report));
const failed = report.results.some((r) => !r.ok);
// Deno 2, Bun and Node all have `process`; exit explicitly so no cache timer keeps us alive.
(globalThis as unknown as { process: { exit(code: number): never } }).process.exit(failed ? 1 : 0);
