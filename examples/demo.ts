/**
 * `npm run demo`: starts the tRPC and GraphQL examples on one auth set-up (the embedded local
 * issuer unless AUTH0_DOMAIN / SCOPEGATE_ISSUER is set), calls each once with a real client
 * to show 401 / 200 / 403, prints ready-to-paste curl lines, and keeps serving until Ctrl-C.
 * With the embedded issuer it also serves the browser DPoP demo page (`examples/browser`).
 * `npm run demo -- --once` exits after the client calls (what the test suite runs).
 *
 * Ports: TRPC_PORT (3001), GRAPHQL_PORT (4000), BROWSER_PORT (3000); 0 picks a free one
 * (the default with --once). A port in use is one line saying which variable changes it.
 * Everything printed after the client pass is shell-safe: comments, assignments, commands.
 */

import { exportJWK } from "jose";
import { startBrowserDemo } from "./browser/server.js";
import { runGraphqlClient } from "./graphql/client.js";
import { exampleTokenClaims } from "./graphql/schema.js";
import { curlLines, startGraphqlExample } from "./graphql/server.js";
import {
  type ExampleAuth,
  PortError,
  portFromEnv,
  portInUseMessage,
  setupExampleAuth,
} from "./setup.js";
import { mintExampleTokens, runTrpcClient } from "./trpc/client.js";
import { startTrpcExample, trpcCurlLines } from "./trpc/server.js";

const once = process.argv.includes("--once");

/** A start-up failure the demo explains in one line (no stack). */
class DemoStartError extends Error {}

type Closable = { close(): Promise<void> };
const open: Closable[] = [];
const closeAll = async () => {
  await Promise.allSettled(open.splice(0).map((item) => item.close()));
};

/**
 * Starts one server on the port of `variable` (else `fallback`; a free port with --once),
 * turning a busy port into a {@link DemoStartError} that names the variable to change.
 */
async function listen<T extends Closable>(
  what: string,
  variable: string,
  fallback: number,
  start: (port: number) => Promise<T>,
): Promise<T> {
  let port: number;
  try {
    port = portFromEnv(variable, once ? 0 : fallback);
  } catch (error) {
    throw error instanceof PortError ? new DemoStartError(error.message) : error;
  }
  try {
    const server = await start(port);
    open.unshift(server);
    return server;
  } catch (error) {
    const fix = `${variable}=${port + 100} npm run demo`;
    const message = portInUseMessage(error, port, what, fix);
    throw message ? new DemoStartError(message) : error;
  }
}

/** Single-quotes a value for a POSIX shell. */
const quote = (value: string) => `'${value.replaceAll("'", "'\\''")}'`;

/**
 * The DPoP "try it yourself" lines: a token bound to a fresh key, its private JWK, and a curl
 * whose proof `scopegate proof` signs for that one request (run from this repository).
 */
async function dpopLines(example: ExampleAuth, trpcUrl: string): Promise<string[]> {
  const issuer = example.issuer;
  if (!issuer) return [];
  const key = await issuer.dpopKey("ES256");
  const token = await issuer.sign({ scope: "read:messages" }, { dpopJkt: key.thumbprint });
  const jwk = JSON.stringify({ ...(await exportJWK(key.privateKey)), alg: key.alg });
  const url = `${trpcUrl}/messages`;
  const proof = `npx tsx src/cli/index.ts proof --url ${url} --token "$DPOP_TOKEN" --key "$DPOP_JWK"`;
  return [
    "# a DPoP-bound token (cnf.jkt) and its private key; each request needs a new proof,",
    "# signed by scopegate proof (installed: scopegate proof ...; here from this repository)",
    `DPOP_TOKEN=${token}`,
    `DPOP_JWK=${quote(jwk)}`,
    "# token + fresh proof -> 200; the same proof again -> 400 invalid_dpop_proof (replay)",
    `PROOF=$(${proof})`,
    `curl -i -H "Authorization: DPoP $DPOP_TOKEN" -H "$PROOF" ${url}`,
    `curl -i -H "Authorization: DPoP $DPOP_TOKEN" -H "$PROOF" ${url}`,
    "# the bound token sent as Bearer -> 401 invalid_token",
    `curl -i -H "Authorization: Bearer $DPOP_TOKEN" ${url}`,
  ];
}

async function main(): Promise<void> {
  const example = await setupExampleAuth();
  open.push(example);
  const trpc = await listen("the tRPC example", "TRPC_PORT", 3001, (port) =>
    startTrpcExample({ auth: example.auth, port }),
  );
  const graphql = await listen("the GraphQL example", "GRAPHQL_PORT", 4000, (port) =>
    startGraphqlExample({ auth: example.auth, port }),
  );
  // The browser page gets its tokens from the embedded issuer's token endpoint.
  const issuer = example.issuer;
  const browser = issuer
    ? await listen("the browser demo page", "BROWSER_PORT", 3000, (port) =>
        startBrowserDemo({
          tokenEndpoint: issuer.tokenEndpoint,
          trpcUrl: trpc.url,
          graphqlUrl: graphql.url,
          port,
        }),
      )
    : undefined;

  console.log(`# tRPC    ${trpc.url}  (TRPC_PORT)`);
  console.log(`# GraphQL ${graphql.url}  (GRAPHQL_PORT; GraphiQL in a browser, works offline)`);
  if (browser) {
    console.log(`# Browser ${browser.url}  (BROWSER_PORT; DPoP demo page: open it and click Run)`);
  }
  if (!example.mint) {
    console.log(
      "\n# Using your issuer: get tokens from it (or `scopegate token`) and call the URLs above.",
    );
    return;
  }
  console.log(`# Issuer  ${issuer?.url} (embedded; no Auth0 tenant needed)\n`);
  const mint = example.mint;
  const tokens = await mintExampleTokens(mint);
  const basic = await mint(exampleTokenClaims.basic);
  const reader = await mint({ ...exampleTokenClaims.reader });

  // Each client prints one line per call.
  console.log("# == tRPC client");
  await runTrpcClient(trpc.url, tokens);
  console.log("\n# == GraphQL client");
  await runGraphqlClient(graphql.url, { basic, reader });

  console.log("\n# == try it yourself (tRPC)");
  console.log(
    trpcCurlLines(trpc.url, { withScope: tokens.reader, withoutScope: basic }).join("\n"),
  );
  console.log("\n# == try it yourself (GraphQL)");
  console.log(curlLines(graphql.url, { basic, reader }).join("\n\n"));
  console.log("\n# == try it yourself (DPoP, tRPC)");
  console.log((await dpopLines(example, trpc.url)).join("\n"));
}

try {
  await main();
} catch (error) {
  await closeAll();
  if (!(error instanceof DemoStartError)) throw error;
  console.error(`npm run demo: ${error.message}`);
  process.exit(1);
}

if (once) {
  await closeAll();
} else {
  console.log("\n# Serving; press Ctrl-C to stop.");
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      void closeAll().then(() => process.exit(0));
    });
  }
}
