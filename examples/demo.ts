/**
 * `npm run demo`: starts the tRPC and GraphQL examples on one auth set-up (the embedded local
 * issuer unless AUTH0_DOMAIN / SCOPEGATE_ISSUER is set), calls each once with a real client
 * to show 401 / 200 / 403, prints ready-to-paste curl lines, and keeps serving until Ctrl-C.
 * With the embedded issuer it also serves the browser DPoP demo page (`examples/browser`).
 * `npm run demo -- --once` exits after the client calls (what the test suite runs).
 */

import { startBrowserDemo } from "./browser/server.js";
import { runGraphqlClient } from "./graphql/client.js";
import { exampleTokenClaims } from "./graphql/schema.js";
import { curlLines, startGraphqlExample } from "./graphql/server.js";
import { setupExampleAuth } from "./setup.js";
import { mintExampleTokens, runTrpcClient } from "./trpc/client.js";
import { startTrpcExample, trpcCurlLines } from "./trpc/server.js";

const once = process.argv.includes("--once");
const port = (name: string, fallback: number) => Number(process.env[name] ?? (once ? 0 : fallback));

const example = await setupExampleAuth();
const trpc = await startTrpcExample({ auth: example.auth, port: port("TRPC_PORT", 3001) });
const graphql = await startGraphqlExample({ auth: example.auth, port: port("GRAPHQL_PORT", 4000) });
// The browser page gets its tokens from the embedded issuer's token endpoint.
const browser = example.issuer
  ? await startBrowserDemo({
      tokenEndpoint: example.issuer.tokenEndpoint,
      trpcUrl: trpc.url,
      graphqlUrl: graphql.url,
      port: port("BROWSER_PORT", 3000),
    })
  : undefined;
const close = async () => {
  await Promise.allSettled([trpc.close(), graphql.close(), browser?.close()]);
  await example.close();
};

try {
  console.log(`tRPC    ${trpc.url}`);
  console.log(`GraphQL ${graphql.url} (GraphiQL in a browser)`);
  if (browser) console.log(`Browser ${browser.url} (DPoP demo page: open it and click Run)`);
  if (!example.mint) {
    console.log(
      "\nUsing your issuer: get tokens from it (or `scopegate token`) and call the URLs above.",
    );
  } else {
    console.log(`Issuer  ${example.issuer?.url} (embedded; no Auth0 tenant needed)\n`);
    const mint = example.mint;
    const tokens = await mintExampleTokens(mint);
    const basic = await mint(exampleTokenClaims.basic);
    const reader = await mint({ ...exampleTokenClaims.reader });

    // Each client prints one line per call.
    console.log("== tRPC client");
    await runTrpcClient(trpc.url, tokens);
    console.log("\n== GraphQL client");
    await runGraphqlClient(graphql.url, { basic, reader });

    console.log("\n== try it yourself (tRPC)");
    console.log(
      trpcCurlLines(trpc.url, { withScope: tokens.reader, withoutScope: basic }).join("\n"),
    );
    console.log("\n== try it yourself (GraphQL)");
    console.log(curlLines(graphql.url, { basic, reader }).join("\n\n"));
  }
} catch (error) {
  await close();
  throw error;
}

if (once) {
  await close();
} else {
  console.log("\nServing; press Ctrl-C to stop.");
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      void close().then(() => process.exit(0));
    });
  }
}
