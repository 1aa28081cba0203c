import type { TestIssuer } from "scopegate/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApi, startIssuer } from "./support/api.js";
import { bearer, client, failure } from "./support/client.js";
import { type RunningServer, startServer } from "./support/servers.js";

let issuer: TestIssuer;
let server: RunningServer;

beforeAll(async () => {
  issuer = await startIssuer();
  const api = buildApi(issuer, { introspection: { ...issuer.introspectionClient }, logger: false });
  server = await startServer("standalone", api.router, api.auth);
});
afterAll(async () => {
  await server?.close();
  await issuer?.close();
});

describe("tRPC with opaque tokens (RFC 7662 introspection), real @trpc/client", () => {
  it("answers 200 with the introspected claims on the context", async () => {
    const token = issuer.opaqueToken({ sub: "auth0|opaque", scope: "read:messages" });
    const c = client(server.url, bearer(token));
    await expect(c.me.query()).resolves.toBe("auth0|opaque");
    await expect(c.messages.query()).resolves.toBe("messages");
  });

  it("answers 403 insufficient_scope when the introspected scopes lack one", async () => {
    const c = client(server.url, bearer(issuer.opaqueToken({ scope: "read:other" })));
    const outcome = await failure(c.messages.query());
    expect(outcome).toMatchObject({ code: "FORBIDDEN", status: 403 });
    expect(outcome.challenge).toContain('error="insufficient_scope"');
  });

  it("answers 401 invalid_token for a revoked token", async () => {
    const token = issuer.opaqueToken();
    issuer.revoke(token);
    const outcome = await failure(client(server.url, bearer(token)).me.query());
    expect(outcome).toMatchObject({ code: "UNAUTHORIZED", status: 401 });
    expect(outcome.challenge).toMatch(
      /error="invalid_token", error_description="access token is not active/,
    );
  });

  it("answers 503 with Retry-After when the introspection endpoint is down", async () => {
    issuer.fail("down", { endpoints: ["introspection"] });
    try {
      const outcome = await failure(client(server.url, bearer(issuer.opaqueToken())).me.query());
      expect(outcome).toMatchObject({ code: "SERVICE_UNAVAILABLE", status: 503, retryAfter: "7" });
      expect(outcome.auth?.error).toBe("temporarily_unavailable");
    } finally {
      issuer.fail(null);
    }
  });
});
