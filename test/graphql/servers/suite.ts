/**
 * The cases every HTTP server recipe must pass, over real HTTP on 127.0.0.1: each request has
 * a deadline, each server is closed after its file.
 */
import type { GraphQLSchema } from "graphql";
import type { AuthMode } from "scopegate/graphql";
import { createTestIssuer, type TestIssuer } from "scopegate/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RecipeServer } from "../../../examples/graphql/servers/listen.js";
import { type Answer, authFor, buildSchema, calls, type GraphQLResponseBody } from "../fixtures.js";

/** Per request. */
export const DEADLINE_MS = 5_000;

/** POSTs one operation to a URL, with a deadline. */
export async function post(
  url: string,
  body: unknown,
  init: { token?: string; authorization?: string; accept?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: init.accept ?? "application/graphql-response+json",
  };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.authorization !== undefined) headers.authorization = init.authorization;
  const response = await fetch(url, {
    method: "POST",
    headers,
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(DEADLINE_MS),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as GraphQLResponseBody,
  };
}

export type Start = (
  auth: ReturnType<typeof authFor>,
  schema: GraphQLSchema,
  mode: AuthMode,
) => Promise<RecipeServer>;

export interface SuiteOptions {
  /** Whether a denial has no `data` entry at all (Mercurius always sends `data: null`). */
  noDataEntry: boolean;
  /** Whether the server answers GET (GraphQL-over-HTTP's query string form). */
  get: boolean;
}

/** Registers the shared cases; returns accessors for server-specific tests in the same file. */
export function httpServerSuite(name: string, start: Start, options: SuiteOptions) {
  let issuer: TestIssuer;
  let reject: RecipeServer;
  let filter: RecipeServer;
  beforeAll(async () => {
    issuer = await createTestIssuer();
    const auth = authFor(issuer);
    reject = await start(auth, buildSchema(), "reject");
    filter = await start(auth, buildSchema(), "filter");
  });
  afterAll(async () => {
    await Promise.all([reject?.close(), filter?.close()]);
    await issuer?.close();
  });
  beforeEach(() => {
    calls.length = 0;
  });

  const noData = (a: Answer) => {
    if (options.noDataEntry) expect("data" in a.body).toBe(false);
    else expect(a.body.data ?? null).toBeNull();
  };

  describe(`${name}: reject mode`, () => {
    it("serves public fields without a token, verifying nothing", async () => {
      const a = await post(reject.url, { query: "{ public }" });
      expect(a.status).toBe(200);
      expect(a.body).toEqual({ data: { public: "hello world" } });
    });

    it("no token: 401 with the exact challenge, nothing executed", async () => {
      const a = await post(reject.url, { query: "{ public me { id } }" });
      expect(a.status).toBe(401);
      expect(a.headers.get("www-authenticate")).toBe('Bearer realm="api"');
      noData(a);
      expect(a.body.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([
        [["me"], "UNAUTHENTICATED"],
      ]);
      expect(a.body.errors?.[0]?.extensions).not.toHaveProperty("http");
      expect(calls).toEqual([]);
    });

    it("an expired token: 401 invalid_token", async () => {
      const token = await issuer.sign({}, { expiresIn: -120 });
      const a = await post(reject.url, { query: "{ me { id } }" }, { token });
      expect(a.status).toBe(401);
      expect(a.headers.get("www-authenticate")).toMatch(
        /^Bearer realm="api", error="invalid_token", error_description="[^"]+"$/,
      );
      expect(a.body.errors?.[0]?.extensions).toMatchObject({ error: "invalid_token" });
    });

    it("a missing scope: 403 with scope=, every denied path listed, nothing executed", async () => {
      const token = await issuer.sign({ scope: "openid" });
      const query = "{ me { id } messages { id } users { id } }";
      const a = await post(reject.url, { query }, { token });
      expect(a.status).toBe(403);
      expect(a.headers.get("www-authenticate")).toBe(
        'Bearer realm="api", error="insufficient_scope", error_description="missing required scopes: read:messages", scope="read:messages"',
      );
      noData(a);
      expect(a.body.errors?.map((e) => e.path?.join("."))).toEqual(["messages", "users"]);
      expect(a.body.errors?.[0]?.extensions).toEqual({
        code: "FORBIDDEN",
        error: "insufficient_scope",
        error_description: "missing required scopes: read:messages",
      });
      expect(calls).toEqual([]);
    });

    it("a good token: 200 with data", async () => {
      const token = await issuer.sign({ scope: "read:messages", permissions: ["read:users"] });
      const query = "{ me { id } messages { id } users { id } }";
      const a = await post(reject.url, { query }, { token, accept: "application/json" });
      expect(a.status).toBe(200);
      expect(a.body).toEqual({
        data: {
          me: { id: "u1" },
          messages: [{ id: "m1" }, { id: "m2" }],
          users: [{ id: "u1" }],
        },
      });
    });

    it("a type-level @auth: 403 naming the type's scope, 200 with it", async () => {
      const denied = await post(
        reject.url,
        { query: "{ profile { name } }" },
        { token: await issuer.sign({ scope: "openid" }) },
      );
      expect(denied.status).toBe(403);
      expect(denied.headers.get("www-authenticate")).toContain('scope="read:profile"');
      expect(calls).toEqual([]);
      const ok = await post(
        reject.url,
        { query: "{ profile { name } }" },
        { token: await issuer.sign({ scope: "read:profile" }) },
      );
      expect(ok.status).toBe(200);
      expect(ok.body).toEqual({ data: { profile: { name: "Alice" } } });
    });

    it("a malformed Authorization header: 400 invalid_request", async () => {
      const a = await post(
        reject.url,
        { query: "{ me { id } }" },
        { authorization: "Basic dXNlcjpwYXNz" },
      );
      expect(a.status).toBe(400);
      expect(a.headers.get("www-authenticate")).toMatch(
        /^Bearer realm="api", error="invalid_request"/,
      );
      expect(a.body.errors?.[0]?.extensions).toMatchObject({ code: "BAD_REQUEST" });
      expect(calls).toEqual([]);
    });

    it("picks the operation by operationName", async () => {
      const query = "query Open { public } query Closed { me { id } }";
      const open = await post(reject.url, { query, operationName: "Open" });
      expect(open.status).toBe(200);
      expect(open.body).toEqual({ data: { public: "hello world" } });
      const closed = await post(reject.url, { query, operationName: "Closed" });
      expect(closed.status).toBe(401);
    });
  });

  it.runIf(options.get)(
    `${name}: a GET checks the operation named in the query string`,
    async () => {
      const query = "query Open { public } query Closed { me { id } }";
      const get = (operationName: string, token?: string) =>
        fetch(`${reject.url}?${new URLSearchParams({ query, operationName })}`, {
          headers: {
            accept: "application/graphql-response+json",
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
          signal: AbortSignal.timeout(DEADLINE_MS),
        });
      const closed = await get("Closed");
      expect(closed.status).toBe(401);
      expect(closed.headers.get("www-authenticate")).toBe('Bearer realm="api"');
      await closed.body?.cancel();
      const open = await get("Open");
      expect(open.status).toBe(200);
      expect(await open.json()).toEqual({ data: { public: "hello world" } });
      const ok = await get("Closed", await issuer.sign());
      expect(await ok.json()).toEqual({ data: { me: { id: "u1" } } });
    },
  );

  describe(`${name}: filter mode`, () => {
    it("nulls the denied fields with an error each, runs the rest: 200", async () => {
      const a = await post(filter.url, { query: "{ public me { id } }" });
      expect(a.status).toBe(200);
      expect(a.body.data).toEqual({ public: "hello world", me: null });
      expect(a.body.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([
        [["me"], "UNAUTHENTICATED"],
      ]);
      expect(a.body.errors?.[0]?.extensions).not.toHaveProperty("http");
      expect(calls).toEqual(["Query.public"]);
    });

    it("a malformed Authorization header still rejects the whole operation: 400", async () => {
      const a = await post(
        filter.url,
        { query: "{ public me { id } }" },
        { authorization: "Bearer" },
      );
      expect(a.status).toBe(400);
      expect(calls).toEqual([]);
    });
  });

  return { issuer: () => issuer, url: () => reject.url };
}
