/**
 * The example tRPC router on Fastify (`fastifyTRPCPlugin`), at `/trpc`.
 *
 *   npx tsx examples/trpc/hosts/fastify.ts      # port 3001, or PORT
 *
 * With AUTH0_DOMAIN and AUTH0_AUDIENCE set (environment or `.env`) it protects the API with
 * that tenant; without them it starts the embedded `scopegate/testing` issuer and prints
 * ready-to-paste curl lines, as `../server.ts` does. The context writes `WWW-Authenticate`
 * to Fastify's reply, so no extra line is needed.
 */
import { pathToFileURL } from "node:url";
import { type FastifyTRPCPluginOptions, fastifyTRPCPlugin } from "@trpc/server/adapters/fastify";
import Fastify from "fastify";
import type { AccessTokenClaims, Auth } from "scopegate";
import { setupExampleAuth } from "../../setup.js";
import { type AppRouter, appRouter } from "../router.js";
import { trpcCurlLines } from "../server.js";

/** Starts Fastify on 127.0.0.1 (port 0: a free one); `url` is the tRPC endpoint. */
export async function startFastifyExample({
  auth,
  port = 0,
}: {
  auth: Auth<AccessTokenClaims>;
  port?: number;
}): Promise<{ url: string; close(): Promise<void> }> {
  const app = Fastify({ forceCloseConnections: true });
  await app.register(fastifyTRPCPlugin, {
    prefix: "/trpc",
    trpcOptions: {
      router: appRouter,
      createContext: auth.createAuthContext,
    } satisfies FastifyTRPCPluginOptions<AppRouter>["trpcOptions"],
  });
  const address = await app.listen({ port, host: "127.0.0.1" });
  return { url: `${address}/trpc`, close: () => app.close() };
}

async function main(): Promise<void> {
  const example = await setupExampleAuth();
  const server = await startFastifyExample({
    auth: example.auth,
    port: Number(process.env.PORT ?? 3001),
  });
  console.log(`tRPC on Fastify listening on ${server.url}`);
  const tokens = example.mint
    ? {
        withScope: await example.mint({ scope: "read:messages" }),
        withoutScope: await example.mint({ scope: "read:data" }),
      }
    : { withScope: "$TOKEN", withoutScope: "$TOKEN" };
  for (const line of trpcCurlLines(server.url, tokens)) console.log(line);
  const stop = async () => {
    await server.close();
    await example.close();
    process.exit(0);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
