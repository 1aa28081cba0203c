/**
 * graphql-ws over a real WebSocket on 127.0.0.1: the transform alone (graphql-ws' own
 * execute / subscribe) and useAuth through yoga's envelop. Subscriptions end at exp with one
 * final error and `complete`; no payload carries `extensions.http`.
 */

import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { ExecutionArgs } from "graphql";
import { createClient } from "graphql-ws";
import { useServer } from "graphql-ws/use/ws";
import { createTestIssuer, type TestIssuer } from "scopegate/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { until } from "../support/clock.js";
import { active, authFor, buildSchema, yogaFor } from "./fixtures.js";

let issuer: TestIssuer;
let auth: ReturnType<typeof authFor>;
let server: Server;
let base: string;
const disposers: (() => unknown)[] = [];

beforeAll(async () => {
  issuer = await createTestIssuer();
  auth = authFor(issuer);
  server = createServer();
  // Transform only: graphql-ws executes the transformed schema itself.
  const bare = new WebSocketServer({ noServer: true });
  const schema = buildSchema();
  const bareWs = useServer(
    {
      schema,
      context: (ctx) =>
        auth.createAuthContext({
          req: ctx.extra.request,
          info: { connectionParams: ctx.connectionParams },
        } as never),
    },
    bare,
  );
  // useAuth: each operation goes through yoga's envelop.
  const yoga = yogaFor(auth);
  const enveloped = new WebSocketServer({ noServer: true });
  const engines = new WeakMap<object, ReturnType<typeof yoga.getEnveloped>>();
  const engineOf = (args: ExecutionArgs) => {
    const engine = engines.get(args.contextValue as object);
    if (!engine) throw new Error("no envelop for this operation");
    return engine;
  };
  const yogaWs = useServer(
    {
      execute: (args: ExecutionArgs) => engineOf(args).execute(args),
      subscribe: (args: ExecutionArgs) => engineOf(args).subscribe(args),
      onSubscribe: async (ctx, _id, params) => {
        const engine = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params,
        });
        const document = engine.parse(params.query);
        const errors = engine.validate(engine.schema, document);
        if (errors.length > 0) return errors;
        const contextValue = await engine.contextFactory();
        engines.set(contextValue, engine);
        return {
          schema: engine.schema,
          document,
          contextValue,
          variableValues: params.variables,
          operationName: params.operationName,
        };
      },
    },
    enveloped,
  );
  server.on("upgrade", (request, socket, head) => {
    const target = request.url === "/bare" ? bare : enveloped;
    target.handleUpgrade(request, socket, head, (ws) => target.emit("connection", ws, request));
  });
  disposers.push(
    () => bareWs.dispose(),
    () => yogaWs.dispose(),
    () => bare.close(),
    () => enveloped.close(),
  );
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  base = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const d of disposers) await d();
  server.close();
  await issuer.close();
});

/** Every payload of one subscription until `complete` (or an error message). */
async function collect(path: string, query: string, connectionParams: Record<string, unknown>) {
  const client = createClient({
    url: `${base}${path}`,
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
    lazy: true,
  });
  const events: Record<string, unknown>[] = [];
  let completed = false;
  try {
    const iterator = client.iterate({ query });
    for (let step = await iterator.next(); !step.done; step = await iterator.next()) {
      events.push(step.value as Record<string, unknown>);
    }
    completed = true;
  } finally {
    await client.dispose();
  }
  return { events, completed, ended: Date.now() };
}

const expOf = (token: string) =>
  JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()).exp as number;

for (const path of ["/bare", "/yoga"]) {
  describe(`graphql-ws ${path === "/bare" ? "with the transform only" : "with useAuth"}`, () => {
    it("rejects without a token or scope, without extensions.http", async () => {
      const none = await collect(path, "subscription { ticks(every: 50) }", {});
      expect(none.completed).toBe(true);
      expect(none.events).toHaveLength(1);
      expect(none.events[0]).toMatchObject({
        errors: [{ extensions: { code: "UNAUTHENTICATED", error: "unauthorized" } }],
      });
      const forbidden = await collect(path, "subscription { alerts(every: 50) }", {
        token: await issuer.sign(),
      });
      expect(forbidden.events).toHaveLength(1);
      expect(forbidden.events[0]).toMatchObject({
        errors: [{ extensions: { code: "FORBIDDEN" } }],
      });
      for (const e of [...none.events, ...forbidden.events]) {
        expect(JSON.stringify(e)).not.toContain('"http"');
      }
    });

    it("streams, then ends at exp with one final error and complete", async () => {
      const token = await issuer.sign({}, { expiresIn: 2 });
      const a = await collect(path, "subscription { ticks(every: 100) }", {
        authorization: `Bearer ${token}`,
      });
      expect(a.completed).toBe(true);
      expect(a.events.slice(0, 3)).toEqual([
        { data: { ticks: 0 } },
        { data: { ticks: 1 } },
        { data: { ticks: 2 } },
      ]);
      const last = a.events.at(-1) as { errors?: { extensions?: Record<string, unknown> }[] };
      expect(last.errors).toHaveLength(1);
      expect(last.errors?.[0]?.extensions).toEqual({
        code: "UNAUTHENTICATED",
        error: "invalid_token",
        error_description: "access token expired",
      });
      expect(a.events.filter((e) => "errors" in e)).toHaveLength(1);
      expect(a.ended).toBeGreaterThanOrEqual(expOf(token) * 1000);
      // Under the 5 s clock tolerance, with room for a loaded machine (it used to allow 1.5 s).
      expect(a.ended).toBeLessThan(expOf(token) * 1000 + 4_500);
      await until(() => active.ticks === 0); // the source was closed
    });
  });
}
