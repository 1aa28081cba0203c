/**
 * Resolvers see `ctx.auth` (the one AuthState the check used) beside the host's own context,
 * on each server.
 */
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import Fastify from "fastify";
import { createHandler } from "graphql-http/lib/use/http";
import { useServer } from "graphql-ws/use/ws";
import { createSchema } from "graphql-yoga";
import mercurius from "mercurius";
import type { AccessTokenClaims } from "scopegate";
import {
  type AuthPluginContext,
  authDirective,
  authDirectiveTypeDefs,
  graphqlHttpAuth,
  graphqlWsAuth,
  mercuriusAuth,
} from "scopegate/graphql";
import { createTestIssuer, type TestIssuer } from "scopegate/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { authFor } from "../fixtures.js";
import { DEADLINE_MS, post } from "./suite.js";

type Ctx = AuthPluginContext<AccessTokenClaims> & { tenant?: string };

const schema = () =>
  authDirective(
    createSchema<Ctx>({
      typeDefs: [authDirectiveTypeDefs, "type Query { whoami: String @auth }"],
      resolvers: {
        Query: {
          whoami: async (_: unknown, __: unknown, ctx: Ctx) =>
            `${(await ctx.auth.require()).sub}@${ctx.tenant ?? "none"}`,
        },
      },
    }),
  );

let issuer: TestIssuer;
const closers: (() => Promise<unknown>)[] = [];
beforeAll(async () => {
  issuer = await createTestIssuer();
});
afterAll(async () => {
  await Promise.all(closers.map((c) => c()));
  await issuer?.close();
});

async function serve(server: ReturnType<typeof createServer>) {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  closers.push(async () => {
    const closed = once(server, "close");
    server.close();
    server.closeAllConnections();
    await closed;
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
}

describe("the context resolvers get", () => {
  it("graphql-http: ctx.auth plus the `context` option's fields", async () => {
    const auth = authFor(issuer);
    const options = graphqlHttpAuth(auth, { schema: schema(), context: () => ({ tenant: "t1" }) });
    const handler = createHandler(options);
    const url = await serve(createServer((req, res) => void handler(req, res)));
    const token = await issuer.sign({ sub: "alice" });
    const a = await post(url, { query: "{ whoami }" }, { token });
    expect(a.body).toEqual({ data: { whoami: "alice@t1" } });
  });

  it("Mercurius: your own context function's auth is reused", async () => {
    const auth = authFor(issuer);
    const app = Fastify();
    closers.push(() => app.close());
    await app.register(mercurius, {
      schema: schema(),
      context: (request, reply) => ({
        tenant: "t2",
        ...auth.createAuthContext({ req: request, res: reply }),
      }),
    });
    await app.register(mercuriusAuth(auth));
    const url = `${await app.listen({ port: 0, host: "127.0.0.1" })}/graphql`;
    const a = await post(
      url,
      { query: "{ whoami }" },
      { token: await issuer.sign({ sub: "bob" }) },
    );
    expect(a.body).toEqual({ data: { whoami: "bob@t2" } });
    const denied = await post(url, { query: "{ whoami }" });
    expect(denied.status).toBe(401);
    expect(denied.headers.get("www-authenticate")).toBe('Bearer realm="api"');
  });

  it("graphql-ws: ctx.auth from connectionParams plus the `context` option's fields", async () => {
    const auth = authFor(issuer);
    const server = createServer();
    const wss = new WebSocketServer({ server, path: "/graphql" });
    const ws = useServer(
      graphqlWsAuth(auth, { schema: schema(), context: () => ({ tenant: "t3" }) }),
      wss,
    );
    closers.push(async () => ws.dispose());
    const url = (await serve(server)).replace(/^http/, "ws");
    const token = await issuer.sign({ sub: "carol" });
    const socket = new WebSocket(url, "graphql-transport-ws");
    closers.push(async () => socket.close());
    const payload = await new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no answer")), DEADLINE_MS);
      socket.on("error", reject);
      socket.on("open", () =>
        socket.send(
          JSON.stringify({
            type: "connection_init",
            payload: { authorization: `Bearer ${token}` },
          }),
        ),
      );
      socket.on("message", (data) => {
        const m = JSON.parse(String(data)) as { type: string; payload?: unknown };
        if (m.type === "connection_ack") {
          socket.send(
            JSON.stringify({ id: "1", type: "subscribe", payload: { query: "{ whoami }" } }),
          );
        } else if (m.type === "next") {
          clearTimeout(timer);
          resolve(m.payload);
        }
      });
    });
    expect(payload).toEqual({ data: { whoami: "carol@t3" } });
  });
});
