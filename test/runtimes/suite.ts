/**
 * The runtime matrix's shared suite (npm run test:runtimes). It runs unchanged inside every
 * runtime — Node, Bun, Deno, workerd with and without `nodejs_compat`, Vercel's edge-runtime —
 * against the packed `scopegate` tarball, imported by its package name. Self-contained: keys,
 * tokens and DPoP proofs are made here with `jose`, and `createAuth` gets a static JWKS, so no
 * case touches the network (but the optional one in suite/network.ts). Only Web APIs (fetch
 * `Request`/`Response`, WebCrypto) are used.
 *
 * The cases live in suite/ (verify.ts, trpc.ts, yoga.ts, dpop.ts, network.ts; the fixture and
 * tokens beside them). Not a vitest file: `runSuite()` is called by the per-runtime entries
 * next to it.
 */
import { AuthError } from "scopegate";
import { describeError, describeRuntime, runCases, type SuiteReport } from "./cases.js";
import { dpopCases } from "./suite/dpop.js";
import { type Fixture, fixture } from "./suite/fixture.js";
import { type NetworkTarget, networkCase } from "./suite/network.js";
import { trpcCases } from "./suite/trpc.js";
import { verifyCases } from "./suite/verify.js";
import { yogaCases } from "./suite/yoga.js";

export type { NetworkTarget };

/** The causes of an error, outermost first ("TypeError: Illegal invocation" matters here). */
function causes(error: unknown): string {
  const chain: string[] = [];
  let e = (error as { cause?: unknown }).cause;
  while (e !== undefined && chain.length < 4) {
    chain.push(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
    e = (e as { cause?: unknown }).cause;
  }
  return chain.length ? `; cause: ${chain.join(" <- ")}` : "";
}

/**
 * Runs every case (each with a deadline) and returns the outcomes; never throws. Keys are
 * generated on the first call, inside the request in Workers (no crypto at global scope there).
 */
export async function runSuite(
  options: { caseTimeoutMs?: number; network?: NetworkTarget } = {},
): Promise<SuiteReport> {
  let fixed: Promise<Fixture> | undefined;
  const f = () => {
    fixed ??= fixture();
    return fixed;
  };
  const describe = (error: unknown) =>
    error instanceof AuthError
      ? `unexpected AuthError ${error.status} ${error.code} (${error.reason}): ${error.description}${causes(error)}`
      : describeError(error);
  const list = [...verifyCases(f), ...trpcCases(f), ...yogaCases(f), ...dpopCases(f)];
  if (options.network) list.push(networkCase(options.network));
  const results = await runCases(list, options.caseTimeoutMs ?? 20_000, describe);
  return { ...describeRuntime(), results };
}
