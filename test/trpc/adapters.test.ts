import type { TestIssuer } from "scopegate/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApi, startIssuer } from "./support/api.js";
import { batchClient, bearer, client, failure } from "./support/client.js";
import { type AdapterName, type RunningServer, startServer } from "./support/servers.js";

const ADAPTERS: AdapterName[] = [
  "fetch",
  "standalone",
  "express",
  "fastify",
  "next-pages",
  "lambda-v1",
  "lambda-v2",
  "lambda-url",
];

let issuer: TestIssuer;
let api: ReturnType<typeof buildApi>;
const servers = new Map<AdapterName, RunningServer>();

beforeAll(async () => {
  issuer = await startIssuer();
  api = buildApi(issuer);
  for (const adapter of ADAPTERS)
    servers.set(adapter, await startServer(adapter, api.router, api.auth));
});
afterAll(async () => {
  await Promise.all([...servers.values()].map((s) => s.close()));
  await issuer?.close();
});

const urlOf = (adapter: AdapterName) => servers.get(adapter)?.url ?? "";

describe.each(ADAPTERS)("%s adapter with createContext: auth.createAuthContext", (adapter) => {
  it("serves public procedures without a token and protected ones with one", async () => {
    await expect(client(urlOf(adapter)).public.query()).resolves.toBe("hello");
    const token = await issuer.sign({ sub: "auth0|bob", scope: "read:messages" });
    const c = client(urlOf(adapter), bearer(token));
    await expect(c.me.query()).resolves.toBe("auth0|bob");
    await expect(c.messages.query()).resolves.toBe("messages");
  });

  it("puts WWW-Authenticate on the HTTP response of a 401, 400 and 403", async () => {
    expect(await failure(client(urlOf(adapter)).me.query())).toMatchObject({
      status: 401,
      code: "UNAUTHORIZED",
      challenge: 'Bearer realm="api"',
    });

    const expired = await issuer.sign({}, { expiresIn: -60 });
    expect(await failure(client(urlOf(adapter), bearer(expired)).me.query())).toMatchObject({
      status: 401,
      challenge: 'Bearer realm="api", error="invalid_token", error_description="token expired"',
    });

    const malformed = await failure(client(urlOf(adapter), "Basic Zm9vOmJhcg==").me.query());
    expect(malformed).toMatchObject({ status: 400, code: "BAD_REQUEST" });
    expect(malformed.challenge).toMatch(/^Bearer realm="api", error="invalid_request"/);

    const noScope = await issuer.sign({ scope: "read:data" });
    expect(await failure(client(urlOf(adapter), bearer(noScope)).messages.query())).toMatchObject({
      status: 403,
      code: "FORBIDDEN",
      challenge:
        'Bearer realm="api", error="insufficient_scope", error_description="missing required scopes: read:messages", scope="read:messages"',
      auth: { error: "insufficient_scope" },
    });
  });

  it("puts Retry-After on the HTTP response of a 503", async () => {
    const down = await startIssuer();
    const { router, auth } = buildApi(down);
    const server = await startServer(adapter, router, auth);
    try {
      const token = await down.sign({});
      down.fail("down");
      expect(await failure(client(server.url, bearer(token)).me.query())).toMatchObject({
        status: 503,
        code: "SERVICE_UNAVAILABLE",
        retryAfter: "7",
        challenge: null,
        auth: { error: "temporarily_unavailable" },
      });
    } finally {
      await server.close();
      await down.close();
    }
  });

  it("verifies the token once for a batch of protected calls", async () => {
    const token = await issuer.sign({ scope: "read:messages read:data write:data" });
    const c = batchClient(urlOf(adapter), bearer(token));
    const before = api.auth.stats.verifications;
    const results = await Promise.all([
      c.me.query(),
      c.messages.query(),
      c.dataArray.query(),
      c.messagesAfterAuth.query(),
      c.public.query(),
    ]);
    expect(results).toEqual(["auth0|test-user", "messages", "data", "messages", "hello"]);
    expect(api.auth.stats.verifications - before).toBe(1);
  });

  it("answers the public calls of a batch even when the token is bad", async () => {
    const c = batchClient(urlOf(adapter), bearer("not-a-jwt"));
    const before = api.auth.stats.verifications;
    const [pub, me, messages] = await Promise.allSettled([
      c.public.query(),
      c.me.query(),
      c.messages.query(),
    ]);
    expect(pub).toEqual({ status: "fulfilled", value: "hello" });
    for (const call of [me, messages]) {
      expect(call.status).toBe("rejected");
      if (call.status !== "rejected") continue;
      const outcome = await failure(Promise.reject(call.reason));
      // A mixed batch answers 207; the challenge still reaches the response.
      expect(outcome).toMatchObject({ code: "UNAUTHORIZED", status: 207 });
      expect(outcome.challenge).toMatch(/^Bearer realm="api", error="invalid_token"/);
      expect(outcome.auth?.error).toBe("invalid_token");
    }
    expect(api.auth.stats.verifications - before).toBe(1);
  });

  it("does not verify anything for a batch of public calls", async () => {
    const c = batchClient(urlOf(adapter), bearer("not-a-jwt"));
    const before = api.auth.stats.verifications;
    await expect(Promise.all([c.public.query(), c.public.query()])).resolves.toEqual([
      "hello",
      "hello",
    ]);
    expect(api.auth.stats.verifications - before).toBe(0);
  });
});
