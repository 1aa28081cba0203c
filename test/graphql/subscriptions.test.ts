import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createTestIssuer, type TestIssuer } from "scopegate/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until } from "../support/clock.js";
import { active, authFor, yogaFor } from "./fixtures.js";
import { subscribeSse } from "./sse.js";

let issuer: TestIssuer;
let server: Server;
let url: string;
let auth: ReturnType<typeof authFor>;
beforeAll(async () => {
  issuer = await createTestIssuer();
  auth = authFor(issuer);
  server = createServer(yogaFor(auth));
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
afterAll(async () => {
  server.close();
  server.closeAllConnections();
  await once(server, "close");
  await issuer.close();
});

const payloads = (events: { event: string; data: string }[]) =>
  events
    .filter((e) => e.event === "next")
    .map((e) => JSON.parse(e.data) as Record<string, unknown>);

describe("subscriptions over SSE", () => {
  it("rejects a protected subscription without a token at subscribe: 401, no source started", async () => {
    const before = active.ticks;
    const a = await subscribeSse(url, "subscription { ticks(every: 50) }");
    expect(a.status).toBe(401);
    expect(a.headers.get("www-authenticate")).toBe('Bearer realm="api"');
    const [first] = payloads(a.events);
    expect(first).toMatchObject({
      errors: [{ path: ["ticks"], extensions: { code: "UNAUTHENTICATED" } }],
    });
    expect(first && "data" in first).toBe(false);
    expect(a.events.at(-1)?.event).toBe("complete");
    expect(active.ticks).toBe(before);
  });

  it("rejects with 403 for a missing scope and 401 for an invalid token", async () => {
    const forbidden = await subscribeSse(url, "subscription { alerts(every: 50) }", {
      token: await issuer.sign(),
    });
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get("www-authenticate")).toContain('scope="read:alerts"');
    expect(payloads(forbidden.events)[0]).toMatchObject({
      errors: [{ extensions: { code: "FORBIDDEN" } }],
    });
    const invalid = await subscribeSse(url, "subscription { ticks(every: 50) }", {
      token: "not-a-jwt",
    });
    expect(invalid.status).toBe(401);
    expect(payloads(invalid.events)[0]).toMatchObject({
      errors: [{ extensions: { error: "invalid_token" } }],
    });
    const ok = await subscribeSse(url, "subscription { alerts(every: 50) }", {
      token: await issuer.sign({ scope: "read:alerts" }),
      limit: 2,
    });
    expect(payloads(ok.events)).toEqual([{ data: { alerts: 0 } }, { data: { alerts: 1 } }]);
  });

  it("streams events for a valid token and ends with UNAUTHENTICATED when exp passes", async () => {
    const token = await issuer.sign({}, { expiresIn: 2 });
    const exp = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString())
      .exp as number;
    const a = await subscribeSse(url, "subscription { ticks(every: 100) }", {
      token,
      timeoutMs: 8_000,
    });
    const ended = Date.now();
    expect(a.status).toBe(200);
    const events = payloads(a.events);
    const last = events.at(-1);
    expect(events.length).toBeGreaterThan(3);
    expect(events.slice(0, 3)).toEqual([
      { data: { ticks: 0 } },
      { data: { ticks: 1 } },
      { data: { ticks: 2 } },
    ]);
    expect(last).toEqual({
      errors: [
        {
          message: "access token expired",
          extensions: {
            code: "UNAUTHENTICATED",
            error: "invalid_token",
            error_description: "access token expired",
          },
        },
      ],
    });
    expect(a.events.at(-1)?.event).toBe("complete");
    // Ended at exp (seconds resolution), not at the verifier's 5 s clock tolerance: the bound
    // sits just under the tolerance (a loaded machine lags; it used to allow 1.5 s).
    expect(ended).toBeGreaterThanOrEqual(exp * 1000);
    expect(ended).toBeLessThan(exp * 1000 + 4_500);
    await until(() => active.ticks === 0); // the event source was closed, not left running
  });

  it("does not verify or end a public subscription", async () => {
    const before = auth.stats.verifications;
    const token = await issuer.sign({}, { expiresIn: 1 });
    const a = await subscribeSse(url, "subscription { publicTicks(every: 50) }", {
      token,
      limit: 5,
    });
    expect(a.status).toBe(200);
    expect(payloads(a.events)).toHaveLength(5);
    expect(auth.stats.verifications).toBe(before);
  });
});
