import { ConfigurationError } from "scopegate";
import type { TestIssuer } from "scopegate/testing";
import { requireAnyScope, requireClaims, requirePermissions, requireScopes } from "scopegate/trpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApi, startIssuer } from "./support/api.js";
import { bearer, client, failure } from "./support/client.js";
import { type RunningServer, startServer } from "./support/servers.js";

let issuer: TestIssuer;
let server: RunningServer;
let api: ReturnType<typeof buildApi>;

beforeAll(async () => {
  issuer = await startIssuer();
  api = buildApi(issuer);
  server = await startServer("standalone", api.router, api.auth);
});
afterAll(async () => {
  await server?.close();
  await issuer?.close();
});

const as = async (claims: Record<string, unknown>) =>
  client(server.url, bearer(await issuer.sign(claims)));

describe("requireAuth", () => {
  it("passes a valid token and puts the typed claims and the token on the context", async () => {
    const c = await as({ sub: "auth0|alice" });
    await expect(c.me.query()).resolves.toBe("auth0|alice");
    await expect(c.token.query()).resolves.toBe(true);
  });

  it("answers 401 with a bare challenge and data.auth when no token is sent", async () => {
    expect(await failure(client(server.url).me.query())).toMatchObject({
      code: "UNAUTHORIZED",
      status: 401,
      challenge: 'Bearer realm="api"',
      auth: { error: "unauthorized" },
    });
  });

  it("answers 401 invalid_token for an expired token", async () => {
    const c = client(server.url, bearer(await issuer.sign({}, { expiresIn: -60 })));
    expect(await failure(c.me.query())).toEqual({
      code: "UNAUTHORIZED",
      status: 401,
      challenge: 'Bearer realm="api", error="invalid_token", error_description="token expired"',
      retryAfter: null,
      auth: { error: "invalid_token", error_description: "token expired" },
      message: "token expired",
    });
  });

  it("answers 400 invalid_request for a malformed Authorization header", async () => {
    const outcome = await failure(client(server.url, "Bearer").me.query());
    expect(outcome).toMatchObject({ code: "BAD_REQUEST", status: 400 });
    expect(outcome.challenge).toMatch(/^Bearer realm="api", error="invalid_request"/);
    expect(outcome.auth?.error).toBe("invalid_request");
  });

  it("answers 503 with Retry-After and no challenge when the keys are unreachable", async () => {
    const other = await startIssuer();
    try {
      const { router, auth } = buildApi(other);
      const s = await startServer("standalone", router, auth);
      try {
        const token = await other.sign({});
        other.fail("down");
        const outcome = await failure(client(s.url, bearer(token)).me.query());
        expect(outcome).toMatchObject({ code: "SERVICE_UNAVAILABLE", status: 503 });
        expect(outcome).toMatchObject({ challenge: null, retryAfter: "7" });
        expect(outcome.auth?.error).toBe("temporarily_unavailable");
      } finally {
        await s.close();
      }
    } finally {
      await other.close();
    }
  });
});

describe("requireScopes", () => {
  it.each([
    ["one scope on t.procedure", "messages", "read:messages"],
    ["one scope after requireAuth()", "messagesAfterAuth", "read:messages"],
    ["an array", "dataArray", "read:data write:data"],
    ["variadic strings", "dataVariadic", "read:data write:data"],
    ["a space-separated string", "dataSpaced", "read:data write:data"],
  ] as const)("takes %s: 200 with them, 403 naming them without", async (_, path, scope) => {
    const ok = await as({ scope: `${scope} other` });
    await expect(ok[path].query()).resolves.toBeTypeOf("string");

    const some = scope.includes(" ") ? scope.split(" ")[0] : "read:other";
    const partial = await as({ scope: some });
    const outcome = await failure(partial[path].query());
    expect(outcome).toMatchObject({ code: "FORBIDDEN", status: 403 });
    expect(outcome.challenge).toBe(
      `Bearer realm="api", error="insufficient_scope", error_description="missing required scopes: ${scope}", scope="${scope}"`,
    );
    expect(outcome.auth).toEqual({
      error: "insufficient_scope",
      error_description: `missing required scopes: ${scope}`,
    });
  });

  it("answers 401, not 403, when the token is missing", async () => {
    expect(await failure(client(server.url).messages.query())).toMatchObject({
      code: "UNAUTHORIZED",
      status: 401,
    });
  });

  it("refuses no scope at all when the middleware is created", () => {
    expect(() => requireScopes()).toThrow(ConfigurationError);
    expect(() => requireScopes([])).toThrow(/requireScopes: give at least one scope/);
    expect(() => requireScopes("  ")).toThrow(ConfigurationError);
    expect(() => requireAnyScope()).toThrow(/requireAnyScope/);
    expect(() => requirePermissions([])).toThrow(/requirePermissions/);
    expect(() => requireScopes(42 as unknown as string)).toThrow(/must be strings/);
    // Said as permissions, not scopes; and a comma-joined list is refused with the fix.
    expect(() => requirePermissions(" ")).toThrow(
      'scopegate: requirePermissions: give at least one permission, e.g. requirePermissions("read:messages")',
    );
    expect(() => requireAnyScope("a,b")).toThrow(
      'scopegate: requireAnyScope: "a,b" has a comma: scopes are separated by spaces (RFC 6749 §3.3); write requireAnyScope("a", "b")',
    );
  });
});

describe("requireAnyScope", () => {
  it("passes with any one of the scopes and answers 403 with none", async () => {
    await expect((await as({ scope: "support" })).support.query()).resolves.toBe("support");
    await expect((await as({ scope: "admin" })).support.query()).resolves.toBe("support");
    const outcome = await failure((await as({ scope: "read:messages" })).support.query());
    expect(outcome).toMatchObject({ code: "FORBIDDEN", status: 403 });
    expect(outcome.challenge).toMatch(/error="insufficient_scope".*scope="admin support"/);
  });
});

describe("requirePermissions", () => {
  it("passes with the permission and answers 403 (not 401) without it", async () => {
    const admin = await as({ permissions: ["delete:users"] });
    await expect(admin.deleteUser.mutate()).resolves.toBe("deleted");

    // A scope of the same name is not a permission.
    const outcome = await failure((await as({ scope: "delete:users" })).deleteUser.mutate());
    expect(outcome).toMatchObject({ code: "FORBIDDEN", status: 403 });
    expect(outcome.challenge).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="missing required permissions: delete:users", scope="delete:users"',
    );
    expect(outcome.auth?.error).toBe("insufficient_scope");
  });
});

describe("requireClaims", () => {
  it.each([
    ["a predicate", "acmeOnly"],
    ["a zod schema", "acmeSchema"],
  ] as const)(
    "with %s: passes matching claims, 403 insufficient_scope otherwise",
    async (_, path) => {
      const acme = await as({ sub: "auth0|acme", org_id: "org_acme" });
      await expect(acme[path].query()).resolves.toBe(
        path === "acmeOnly" ? "auth0|acme" : "org_acme",
      );

      const outcome = await failure((await as({ org_id: "org_other" }))[path].query());
      expect(outcome).toMatchObject({ code: "FORBIDDEN", status: 403 });
      expect(outcome.challenge).toBe(
        `Bearer realm="api", error="insufficient_scope", error_description="the token's claims do not allow this operation"`,
      );
      expect(outcome.auth).toEqual({
        error: "insufficient_scope",
        error_description: "the token's claims do not allow this operation",
      });
    },
  );

  it("answers 401 when there is no valid token at all", async () => {
    expect(await failure(client(server.url).acmeSchema.query())).toMatchObject({
      code: "UNAUTHORIZED",
      status: 401,
    });
  });

  it("refuses something that is neither a predicate nor a zod schema", () => {
    expect(() => requireClaims({} as never)).toThrow(ConfigurationError);
  });
});

describe("errorFormatter", () => {
  it("maps an AuthError thrown in a resolver to its status instead of a 500", async () => {
    const outcome = await failure(client(server.url).throwsRaw.query());
    expect(outcome).toMatchObject({
      code: "UNAUTHORIZED",
      status: 401,
      challenge: 'Bearer realm="api"',
      auth: { error: "unauthorized", error_description: "authentication required" },
    });
  });

  it("leaves other errors alone", async () => {
    const res = await fetch(`${server.url}/nowhere`);
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: { data: Record<string, unknown> } };
    expect(body.error.data.code).toBe("NOT_FOUND");
    expect(body.error.data).not.toHaveProperty("auth");
  });
});
