/** Apollo Server 5 set-ups of the scopegate/apollo tests: standalone and Express, real HTTP. */
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ApolloServer, type ApolloServerOptions, type BaseContext } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { expressMiddleware } from "@as-integrations/express5";
import express from "express";
import { type ApolloAuthPluginOptions, apolloAuthPlugin } from "scopegate/apollo";
import { authDirectiveTypeDefs } from "scopegate/graphql";
import { type authFor, resolvers, typeDefs } from "../graphql/fixtures.js";

export type Host = "standalone" | "express";
export const HOSTS: readonly Host[] = ["standalone", "express"];

export interface Running {
  url: string;
  server: ApolloServer<BaseContext>;
  close(): Promise<void>;
}

type Extra = Partial<ApolloServerOptions<BaseContext>> & {
  context?: (input: { req: unknown; res: unknown }) => Promise<BaseContext>;
  /**
   * Express: `app.post("/graphql", …)` instead of `app.use("/graphql", …)` (a `use` mount
   * rewrites `req.url` to the path below the mount point).
   */
  route?: boolean;
};

/** An Apollo Server 5 with the plugin over HTTP on 127.0.0.1, quiet logs. */
export async function startApollo(
  host: Host,
  auth: ReturnType<typeof authFor>,
  options: ApolloAuthPluginOptions = {},
  extra: Extra = {},
): Promise<Running> {
  const { context, plugins = [], route = false, ...rest } = extra;
  const server = new ApolloServer<BaseContext>({
    typeDefs: [authDirectiveTypeDefs, typeDefs],
    resolvers,
    plugins: [apolloAuthPlugin(auth, options), ...plugins],
    logger: quiet,
    ...rest,
  } as ApolloServerOptions<BaseContext>);
  if (host === "standalone") {
    const { url } = await startStandaloneServer(server, {
      listen: { port: 0, host: "127.0.0.1" },
      ...(context ? { context: context as never } : {}),
    });
    return { url, server, close: () => server.stop() };
  }
  await server.start();
  const app = express();
  const handlers = [
    express.json(),
    expressMiddleware(server, context ? { context: context as never } : {}),
  ] as const;
  if (route) app.post("/graphql", ...handlers);
  else app.use("/graphql", ...handlers);
  const http: Server = createServer(app);
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/graphql`;
  return {
    url,
    server,
    close: async () => {
      await server.stop();
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}

const noop = () => {};
export const quiet = { debug: noop, info: noop, warn: noop, error: noop };
