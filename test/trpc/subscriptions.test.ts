import type { TestIssuer } from "scopegate/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApi, startIssuer } from "./support/api.js";
import { bearer } from "./support/client.js";
import { type RunningServer, startServer, startWsServer } from "./support/servers.js";
import { eventSources, record, sseClient, wsClient } from "./support/subscribe.js";

let issuer: TestIssuer;
let api: ReturnType<typeof buildApi>;
let http: RunningServer;
let fetchServer: RunningServer;
let ws: RunningServer;
const clients: Array<{ close(): void }> = [];

beforeAll(async () => {
  issuer = await startIssuer();
  api = buildApi(issuer);
  http = await startServer("standalone", api.router, api.auth);
  fetchServer = await startServer("fetch", api.router, api.auth);
  ws = await startWsServer(api.router, api.auth);
});
afterAll(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const es of eventSources.splice(0)) es.close();
  await Promise.all([http?.close(), fetchServer?.close(), ws?.close()]);
  await issuer?.close();
});

/** A token whose `exp` is 2 s away (1-2 s, as `exp` is in whole seconds). */
const shortLived = () => issuer.sign({ scope: "read:messages" }, { expiresIn: 2 });

function expectEndedByExpiry(run: Awaited<ReturnType<typeof record>>) {
  expect(run.values.length).toBeGreaterThan(2);
  expect(run.error?.data?.code).toBe("UNAUTHORIZED");
  expect(run.error?.data?.auth).toEqual({
    error: "invalid_token",
    error_description: "token expired",
  });
  expect(run.endedAfter).toBeGreaterThan(500);
  // Below record()'s 8 s timeout (a run cut by the timeout has no error and fails above);
  // the token lives 1-2 s, the rest is room for a loaded machine.
  expect(run.endedAfter).toBeLessThan(7_500);
}

describe("SSE subscriptions (httpSubscriptionLink)", () => {
  it.each(["standalone", "fetch"] as const)(
    "refuses to start without a token, with the challenge on the %s response",
    async (adapter) => {
      const url = adapter === "fetch" ? fetchServer.url : http.url;
      const opened = eventSources.length;
      const run = await record((h) => sseClient(url, {}).ticks.subscribe(undefined, h));
      expect(run.values).toEqual([]);
      expect(run.error?.data?.code).toBe("UNAUTHORIZED");
      expect(run.error?.data?.auth?.error).toBe("unauthorized");
      // tRPC answers an SSE subscription with 200 and sends the error as an event.
      const response = eventSources[opened]?.responses[0];
      expect(response?.status).toBe(200);
      expect(response?.headers.get("www-authenticate")).toBe('Bearer realm="api"');
    },
  );

  it("refuses to start without the scope (FORBIDDEN)", async () => {
    const token = await issuer.sign({ scope: "read:data" });
    const c = sseClient(http.url, { header: bearer(token) });
    const run = await record((h) => c.scopedTicks.subscribe(undefined, h));
    expect(run.values).toEqual([]);
    expect(run.error?.data?.code).toBe("FORBIDDEN");
    expect(run.error?.data?.auth?.error).toBe("insufficient_scope");
  });

  it.concurrent("streams with the token in a header, and ends with UNAUTHORIZED when it expires", async () => {
    const c = sseClient(http.url, { header: bearer(await shortLived()) });
    expectEndedByExpiry(await record((h) => c.ticks.subscribe(undefined, h)));
  });

  it.concurrent("streams with the token in connectionParams, and ends when it expires", async () => {
    const c = sseClient(http.url, {
      connectionParams: { authorization: bearer(await shortLived()) },
    });
    expectEndedByExpiry(await record((h) => c.scopedTicks.subscribe(undefined, h)));
  });

  it.concurrent("ends an observable subscription when the token expires", async () => {
    const c = sseClient(http.url, { connectionParams: { token: await shortLived() } });
    expectEndedByExpiry(await record((h) => c.observableTicks.subscribe(undefined, h)));
  });

  it.concurrent("untilTokenExpires() authenticates a hand-written subscription and ends it", async () => {
    const denied = await record((h) => sseClient(http.url, {}).manualTicks.subscribe(undefined, h));
    expect(denied.values).toEqual([]);
    expect(denied.error?.data?.code).toBe("UNAUTHORIZED");

    const c = sseClient(http.url, { header: bearer(await shortLived()) });
    expectEndedByExpiry(await record((h) => c.manualTicks.subscribe(undefined, h)));
  });
});

describe("WebSocket subscriptions (wsLink, connectionParams)", () => {
  const open = (params: Record<string, string>) => {
    const c = wsClient(ws.url, params);
    clients.push(c);
    return c.trpc;
  };

  it("refuses to start without a token", async () => {
    const run = await record((h) => open({}).ticks.subscribe(undefined, h));
    expect(run.values).toEqual([]);
    expect(run.error?.data?.code).toBe("UNAUTHORIZED");
    expect(run.error?.data?.auth?.error).toBe("unauthorized");
  });

  it("refuses to start with a bad token", async () => {
    const run = await record((h) => open({ token: "nope" }).ticks.subscribe(undefined, h));
    expect(run.values).toEqual([]);
    expect(run.error?.data?.code).toBe("UNAUTHORIZED");
    expect(run.error?.data?.auth?.error).toBe("invalid_token");
  });

  it.concurrent("streams, ends with UNAUTHORIZED at expiry, then refuses calls on that connection", async () => {
    const c = open({ authorization: bearer(await shortLived()) });
    await expect(c.me.query()).resolves.toBe("auth0|test-user");
    expectEndedByExpiry(await record((h) => c.ticks.subscribe(undefined, h)));
    // The context lives as long as the connection: the expired token is not trusted any more.
    await expect(c.me.query()).rejects.toMatchObject({ data: { code: "UNAUTHORIZED" } });
    const late = await record((h) => c.ticks.subscribe(undefined, h));
    expect(late.values).toEqual([]);
    expect(late.error?.data?.code).toBe("UNAUTHORIZED");
  });

  it("takes the token as connectionParams.token too", async () => {
    const c = open({ token: await issuer.sign({ sub: "auth0|ws" }) });
    await expect(c.me.query()).resolves.toBe("auth0|ws");
  });
});
