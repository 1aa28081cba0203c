/**
 * The runtime matrix's workerd rows, with and without `nodejs_compat`: one workerd process
 * (a capnp config written here) serves the suite Worker and the tRPC and GraphQL Worker
 * examples, each on its own socket; the suite answers `GET /suite`, the examples the host
 * checks over HTTP.
 */
import { writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { describeError, runCases } from "../../test/runtimes/cases.js";
import { graphqlHostCases, trpcHostCases } from "../../test/runtimes/hosts.js";
import { bundle } from "./bundle.js";
import type { MatrixContext } from "./context.js";
import { out, pins, type WorkerdSettings } from "./options.js";
import { arch, freePort, platformBinary, start, waitForHttp } from "./processes.js";
import { addSuite, failed, fetchSuiteReport, row } from "./report.js";

const workerdBinary = () =>
  platformBinary([
    `@cloudflare/workerd-${process.platform}-${arch === "x64" ? "64" : "arm64"}/bin/workerd`,
  ]);

type Services = { suite: string; trpc: string; graphql: string };

const capnpString = (value: string) => JSON.stringify(value);

/** A workerd config: the suite Worker and the two host examples, each on its own socket. */
function workerdConfig(
  settings: WorkerdSettings,
  files: Services,
  ports: Record<keyof Services, number>,
  { issuer }: MatrixContext,
): string {
  const worker = (file: string, bindings: Record<string, string>) => `(
    modules = [(name = "worker.mjs", esModule = embed ${capnpString(relative(out, file))})],
    compatibilityDate = ${capnpString(settings.compatibilityDate)},
    compatibilityFlags = [${settings.compatibilityFlags.map(capnpString).join(", ")}],
    bindings = [${Object.entries(bindings)
      .map(([name, text]) => `(name = ${capnpString(name)}, text = ${capnpString(text)})`)
      .join(", ")}],
    globalOutbound = "loopback",
  )`;
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "suite", worker = .suite),
    (name = "trpc", worker = .trpc),
    (name = "graphql", worker = .graphql),
    # Outbound fetch: loopback only (the tRPC example finds its keys through the test issuer).
    (name = "loopback", network = (allow = ["local"])),
  ],
  sockets = [
    (name = "suite", address = "127.0.0.1:${ports.suite}", http = (), service = "suite"),
    (name = "trpc", address = "127.0.0.1:${ports.trpc}", http = (), service = "trpc"),
    (name = "graphql", address = "127.0.0.1:${ports.graphql}", http = (), service = "graphql"),
  ],
);
# The shared suite: static JWKS; its one network case fetches the test issuer on loopback.
const suite :Workerd.Worker = ${worker(files.suite, {})};
# examples/trpc/hosts/worker.ts: an issuer URL on loopback (discovery and JWKS over fetch).
const trpc :Workerd.Worker = ${worker(files.trpc, {
    SCOPEGATE_ISSUER: issuer.url,
    SCOPEGATE_AUDIENCE: issuer.audience,
  })};
# examples/graphql/hosts/worker.ts: the same issuer's keys as a static JWKS in env.
const graphql :Workerd.Worker = ${worker(files.graphql, {
    SCOPEGATE_ISSUER: issuer.url,
    SCOPEGATE_AUDIENCE: issuer.audience,
    SCOPEGATE_JWKS: JSON.stringify(issuer.jwks()),
  })};
`;
}

/** The row `workerd` (no `nodejs_compat`) or `workerd-compat`. */
export async function workerdRow(compat: boolean, context: MatrixContext): Promise<void> {
  const { issuer, dpopAlgs } = context;
  const tag = compat ? "compat" : "plain";
  await row(
    compat ? "workerd-compat" : "workerd",
    `workerd ${pins.dependencies.workerd}`,
    async (r) => {
      const flavor = compat ? "worker-compat" : "worker";
      const files = {
        suite: await bundle("test/runtimes/entry-worker.ts", flavor, `suite-worker-${tag}.mjs`),
        trpc: await bundle("examples/trpc/hosts/worker.ts", flavor, `trpc-worker-${tag}.mjs`),
        graphql: await bundle(
          "examples/graphql/hosts/worker.ts",
          flavor,
          `graphql-worker-${tag}.mjs`,
        ),
      };
      const ports = { suite: await freePort(), trpc: await freePort(), graphql: await freePort() };
      const settings = pins.runtimeMatrix.workerd[tag];
      const config = join(out, `workerd-${tag}.capnp`);
      await writeFile(config, workerdConfig(settings, files, ports, context));
      r.detail = `flags [${settings.compatibilityFlags.join(", ")}], compatibility date ${settings.compatibilityDate}; esbuild neutral, conditions workerd/worker/browser${compat ? ", node:* external" : ""}`;
      const p = start(workerdBinary(), ["serve", config, "--verbose"], { cwd: out });
      try {
        const origin = `http://127.0.0.1:${ports.suite}`;
        await waitForHttp(p, `${origin}/`, 30_000);
        try {
          addSuite(r, await fetchSuiteReport(origin, context.network));
        } catch (error) {
          r.parts.suite = failed(
            "suite",
            new Error(`${describeError(error)}\n${p.output().slice(-2000)}`),
          );
        }
        r.parts["examples/trpc/hosts/worker.ts"] = await runCases(
          trpcHostCases({ url: `http://127.0.0.1:${ports.trpc}/trpc`, issuer, dpopAlgs }),
          15_000,
        );
        r.parts["examples/graphql/hosts/worker.ts"] = await runCases(
          graphqlHostCases({ url: `http://127.0.0.1:${ports.graphql}/graphql`, issuer, dpopAlgs }),
          15_000,
        );
        const log = p.output().trim();
        if (log && r.parts.suite?.some((c) => !c.ok))
          console.log(`  (workerd log)\n${log.slice(-1500)}`);
      } finally {
        await p.stop();
      }
    },
  );
}
