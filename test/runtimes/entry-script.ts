/**
 * Runtime-matrix entry for Node, Bun and Deno: runs the shared suite and prints its report
 * (one marked JSON line) for the driver, scripts/runtime-matrix/run.ts. Exits 1 on a failure.
 * An optional argument, a JSON {@link NetworkTarget}, adds the discovery-over-loopback case.
 */
import { RESULTS_MARKER } from "./cases.js";
import { type NetworkTarget, runSuite } from "./suite.js";

const proc = (globalThis as unknown as { process: { argv: string[]; exit(code: number): never } })
  .process;
const arg = proc.argv[2];
const report = await runSuite({ network: arg ? (JSON.parse(arg) as NetworkTarget) : undefined });
console.log(RESULTS_MARKER + JSON.stringify(report));
// Deno 2, Bun and Node all have `process`; exit explicitly so no cache timer keeps us alive.
proc.exit(report.results.some((r) => !r.ok) ? 1 : 0);
