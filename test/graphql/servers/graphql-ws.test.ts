import { createTestIssuer, type TestIssuer } from "scopegate/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { startGraphqlWs } from "../../../examples/graphql/servers/graphql-ws.js";
import type { RecipeServer } from "../../../examples/graphql/servers/listen.js";
import { until } from "../../support/clock.js";
import { active, authFor, buildSchema } from "../fixtures.js";

interface Message {
  type: string;
  id?: string;
  payload?: unknown;
}

/**
 * One graphql-transport-ws conversation on a raw socket: init, one subscribe, every message
 * until `complete` or `error` (or `limit` `next`s, then `complete` from the client). Every
 * step has a deadline.
 */
async function converse(
  url: string,
  query: string,
  init: {
    connectionParams?: Record<string, unknown>;
    headers?: Record<string, string>;
    limit?: number;
    timeoutMs?: number;
  } = {},
): Promise<Message[]> {
  const socket = new WebSocket(url, "graphql-transport-ws", { headers: init.headers });
  const messages: Message[] = [];
  try {
    return await new Promise<Message[]>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(`no end within ${init.timeoutMs ?? 5_000} ms: ${JSON.stringify(messages)}`),
          ),
        init.timeoutMs ?? 5_000,
      );
      const end = () => {
        clearTimeout(timer);
        resolve(messages);
      };
      socket.on("error", (e) => {
        clearTimeout(timer);
        reject(e);
      });
      socket.on("close", end);
      socket.on("open", () => {
        const payload = init.connectionParams;
        socket.send(JSON.stringify({ type: "connection_init", ...(payload ? { payload } : {}) }));
      });
      socket.on("message", (data) => {
        const message = JSON.parse(String(data)) as Message;
        if (message.type === "connection_ack") {
          socket.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query } }));
          return;
        }
        if (message.type === "ping") return;
        messages.push(message);
        const nexts = messages.filter((m) => m.type === "next").length;
        if (message.type === "complete" || message.type === "error") end();
        else if (init.limit !== undefined && nexts >= init.limit) {
          socket.send(JSON.stringify({ id: "1", type: "complete" }));
          end();
        }
      });
    });
  } finally {
    socket.close();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
/** No payload ever carries HTTP transport data. */
const noHttp = (messages: Message[]) =>
  expect(JSON.stringify(messages)).not.toMatch(/"http"|www-authenticate/i);

let issuer: TestIssuer;
let reject: RecipeServer;
let filter: RecipeServer;
beforeAll(async () => {
  issuer = await createTestIssuer();
  const auth = authFor(issuer);
  reject = await startGraphqlWs(auth, buildSchema(), "reject");
  filter = await startGraphqlWs(auth, buildSchema(), "filter");
});
afterAll(async () => {
  await Promise.all([reject?.close(), filter?.close()]);
  await issuer?.close();
});

describe("graphql-ws on ws", () => {
  it("refuses a protected subscription on a connection without a token: one error message, no source started", async () => {
    await sleep(200); // sources of earlier tests have closed
    const before = active.ticks;
    const messages = await converse(reject.url, "subscription { ticks(every: 50) }");
    expect(messages).toEqual([
      {
        id: "1",
        type: "error",
        payload: [
          expect.objectContaining({
            path: ["ticks"],
            extensions: {
              code: "UNAUTHENTICATED",
              error: "unauthorized",
              error_description: expect.any(String),
            },
          }),
        ],
      },
    ]);
    noHttp(messages);
    await sleep(100);
    // No source started (a source of an earlier test may still be closing meanwhile).
    expect(active.ticks).toBeLessThanOrEqual(before);
  });

  it("streams a public subscription on the same kind of connection", async () => {
    const messages = await converse(reject.url, "subscription { publicTicks(every: 20) }", {
      limit: 2,
    });
    expect(messages.map((m) => m.payload)).toEqual([
      { data: { publicTicks: 0 } },
      { data: { publicTicks: 1 } },
    ]);
  });

  it("refuses a missing scope with FORBIDDEN, streams with it", async () => {
    const forbidden = await converse(reject.url, "subscription { alerts(every: 20) }", {
      connectionParams: bearer(await issuer.sign()),
    });
    expect(forbidden).toMatchObject([
      {
        type: "error",
        payload: [{ extensions: { code: "FORBIDDEN", error: "insufficient_scope" } }],
      },
    ]);
    noHttp(forbidden);
    const ok = await converse(reject.url, "subscription { alerts(every: 20) }", {
      connectionParams: bearer(await issuer.sign({ scope: "read:alerts" })),
      limit: 2,
    });
    expect(ok.map((m) => m.payload)).toEqual([{ data: { alerts: 0 } }, { data: { alerts: 1 } }]);
  });

  it("ends a subscription at token expiry: one UNAUTHENTICATED error, then complete, source closed", async () => {
    const token = await issuer.sign({}, { expiresIn: 2 });
    const exp = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString())
      .exp as number;
    await sleep(200); // sources of earlier tests have closed
    const before = active.ticks;
    const messages = await converse(reject.url, "subscription { ticks(every: 100) }", {
      connectionParams: bearer(token),
      timeoutMs: 8_000,
    });
    const ended = Date.now();
    expect(ended).toBeGreaterThanOrEqual(exp * 1000 - 50);
    // Under the 5 s clock tolerance, with room for a loaded machine (it used to allow 1.5 s).
    expect(ended).toBeLessThan(exp * 1000 + 4_500);
    const last = messages.at(-1);
    const final = messages.at(-2);
    expect(last).toEqual({ id: "1", type: "complete" });
    expect(final).toMatchObject({
      type: "next",
      payload: { errors: [{ extensions: { code: "UNAUTHENTICATED", error: "invalid_token" } }] },
    });
    expect(final?.payload).not.toHaveProperty("data");
    const events = messages.slice(0, -2);
    expect(events.length).toBeGreaterThan(3);
    expect(events.every((m) => m.type === "next" && !("errors" in (m.payload as object)))).toBe(
      true,
    );
    expect(messages.filter((m) => JSON.stringify(m).includes("errors"))).toHaveLength(1);
    noHttp(messages);
    await until(() => active.ticks <= before); // this test's source was closed
  });

  it("checks queries too: an error message without a token, data with one", async () => {
    const denied = await converse(reject.url, "{ me { id } }");
    expect(denied).toMatchObject([{ type: "error", payload: [{ path: ["me"] }] }]);
    noHttp(denied);
    const ok = await converse(reject.url, "{ me { id } }", {
      connectionParams: bearer(await issuer.sign()),
    });
    expect(ok).toEqual([
      { id: "1", type: "next", payload: { data: { me: { id: "u1" } } } },
      { id: "1", type: "complete" },
    ]);
  });

  it("reads the token from the upgrade request's Authorization header too", async () => {
    const messages = await converse(reject.url, "{ me { id } }", {
      headers: bearer(await issuer.sign()),
    });
    expect(messages[0]).toEqual({ id: "1", type: "next", payload: { data: { me: { id: "u1" } } } });
  });

  it("filter mode: denied fields are null with an error, no extensions.http", async () => {
    const messages = await converse(filter.url, "{ public me { id } }");
    expect(messages).toMatchObject([
      {
        type: "next",
        payload: {
          data: { public: "hello world", me: null },
          errors: [{ path: ["me"], extensions: { code: "UNAUTHENTICATED" } }],
        },
      },
      { type: "complete" },
    ]);
    noHttp(messages);
  });
});
