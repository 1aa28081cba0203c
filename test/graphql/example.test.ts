import { createClient } from "graphql-ws";
import { createAuth } from "scopegate";
import { createTestIssuer, type TestIssuer } from "scopegate/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { runGraphqlClient } from "../../examples/graphql/client.js";
import { exampleTokenClaims } from "../../examples/graphql/schema.js";
import {
  curlLines,
  type GraphqlExample,
  startGraphqlExample,
} from "../../examples/graphql/server.js";
import { post } from "./fixtures.js";

let issuer: TestIssuer;
let app: GraphqlExample;
let auth: ReturnType<typeof createAuth>;
beforeAll(async () => {
  issuer = await createTestIssuer();
  auth = createAuth({ issuer: issuer.url, audience: issuer.audience });
  app = await startGraphqlExample({ auth, token: "prefilled-token" });
});
afterAll(async () => {
  await app.close();
  await issuer.close();
});

const wsUrl = () => app.url.replace(/^http/, "ws");

/** Collects a graphql-ws subscription until it completes (or errors). */
async function collect(
  query: string,
  connectionParams: Record<string, unknown>,
  onStart?: () => Promise<void>,
) {
  const client = createClient({
    url: wsUrl(),
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
    lazy: true,
  });
  const events: unknown[] = [];
  const started = Date.now();
  try {
    const iterator = client.iterate({ query });
    const first = iterator.next();
    await onStart?.();
    for (let step = await first; !step.done; step = await iterator.next()) events.push(step.value);
  } finally {
    await client.dispose();
  }
  return { events, ms: Date.now() - started };
}

describe("examples/graphql", () => {
  it("answers the client's calls with the documented statuses", async () => {
    const tokens = {
      basic: await issuer.sign(exampleTokenClaims.basic),
      reader: await issuer.sign({
        ...exampleTokenClaims.reader,
        permissions: [...exampleTokenClaims.reader.permissions],
      }),
    };
    const lines = await runGraphqlClient(app.url, tokens);
    const statuses = lines.map((l) => Number(/→ (\d{3})/.exec(l)?.[1]));
    expect(statuses).toEqual([200, 401, 400, 403, 200, 403, 200, 403, 403, 200]);
    expect(lines[1]).toContain('WWW-Authenticate: Bearer realm="api"');
    expect(lines[3]).toContain('scope="read:messages"');
    expect(lines[5]).toContain("FORBIDDEN@postMessage");
    expect(lines[5]).toContain("no data");
    // the like in the rejected mutation never ran
    expect(lines[6]).toContain('"likes":0');
    expect(lines[8]).toMatch(/FORBIDDEN@feed\.title/);
  });

  it("serves GraphiQL with the Authorization header prefilled", async () => {
    const response = await fetch(app.url, { headers: { accept: "text/html" } });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain("scopegate GraphQL example");
    expect(html).toContain("Bearer prefilled-token");
  });

  it("prints curl lines that work as printed", async () => {
    const lines = curlLines(app.url, { basic: "B", reader: "R" });
    expect(lines).toHaveLength(5);
    expect(lines[2]).toContain("'authorization: Bearer R'");
    expect(lines[3]).toContain("403");
    const body = JSON.parse(/-d '(.*)'$/m.exec(lines[1] ?? "")?.[1] ?? "{}") as unknown;
    const a = await post(app.url, body);
    expect(a.status).toBe(401);
  });

  it("authenticates graphql-ws subscriptions from connectionParams and ends them at exp", async () => {
    const token = await issuer.sign({ scope: "read:messages write:messages" }, { expiresIn: 2 });
    const { events, ms } = await collect(
      "subscription { messageAdded { text } }",
      { authorization: `Bearer ${token}` },
      async () => {
        await new Promise((r) => setTimeout(r, 300));
        const posted = await post(
          app.url,
          { query: 'mutation { postMessage(text: "over ws") { id } }' },
          { token },
        );
        expect(posted.status).toBe(200);
      },
    );
    expect(events[0]).toEqual({ data: { messageAdded: { text: "over ws" } } });
    expect(events.at(-1)).toMatchObject({
      errors: [{ extensions: { code: "UNAUTHENTICATED", error: "invalid_token" } }],
    });
    // Ended at exp (the token lives 1-2 s), not at exp + the 5 s clock tolerance.
    expect(ms).toBeLessThan(6_500);
  });

  it("verifies each graphql-ws operation on its own (a connection may outlive its token)", async () => {
    const token = await issuer.sign();
    const client = createClient({
      url: wsUrl(),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
    });
    try {
      const before = auth.stats.verifications;
      for (let i = 0; i < 2; i++) {
        const step = await client.iterate({ query: "{ me { sub } }" }).next();
        expect(step.value).toEqual({ data: { me: { sub: "auth0|test-user" } } });
      }
      expect(auth.stats.verifications - before).toBe(2);
    } finally {
      await client.dispose();
    }
  });

  it("rejects a graphql-ws subscription without a token or scope", async () => {
    const none = await collect("subscription { messageAdded { text } }", {});
    expect(none.events).toEqual([
      expect.objectContaining({
        errors: [
          expect.objectContaining({
            extensions: expect.objectContaining({ code: "UNAUTHENTICATED" }),
          }),
        ],
      }),
    ]);
    const basic = await collect("subscription { messageAdded { text } }", {
      token: await issuer.sign(),
    });
    expect(basic.events).toEqual([
      expect.objectContaining({
        errors: [
          expect.objectContaining({ extensions: expect.objectContaining({ code: "FORBIDDEN" }) }),
        ],
      }),
    ]);
  });
});
