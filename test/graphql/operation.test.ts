/** checkOperation: the framework-neutral check, driven with graphql-js alone (no server). */
import { execute, parse } from "graphql";
import { checkOperation } from "scopegate/graphql";
import { createTestIssuer, type TestIssuer } from "scopegate/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authFor, buildSchema, calls } from "./fixtures.js";

let issuer: TestIssuer;
let auth: ReturnType<typeof authFor>;
const schema = buildSchema();
beforeAll(async () => {
  issuer = await createTestIssuer();
  auth = authFor(issuer);
});
afterAll(() => issuer.close());

const contextFor = (token?: string) =>
  auth.createAuthContext({ headers: token ? { authorization: `Bearer ${token}` } : {} });

describe("checkOperation", () => {
  it("allows a public operation without verifying the token", async () => {
    const before = auth.stats.verifications;
    const denial = await checkOperation({
      schema,
      document: parse("{ public }"),
      context: contextFor("not-a-jwt"),
    });
    expect(denial).toBeNull();
    expect(auth.stats.verifications).toBe(before);
  });

  it("denies without a token: 401, the challenge as a record, located errors, no extensions.http", async () => {
    const denial = await checkOperation({
      schema,
      document: parse("{ public me { id } messages { id } }"),
      context: contextFor(),
    });
    expect(denial?.status).toBe(401);
    expect(denial?.headers).toEqual({ "WWW-Authenticate": 'Bearer realm="api"' });
    expect(denial?.errors.map((e) => e.path)).toEqual([["me"], ["messages"]]);
    for (const e of denial?.errors ?? []) {
      expect(e.extensions).toEqual({
        code: "UNAUTHENTICATED",
        error: "unauthorized",
        error_description: "authentication required",
      });
      expect(e.locations?.length).toBe(1);
    }
  });

  it("denies a missing scope with 403 and scope=, allows a good token", async () => {
    const document = parse("query Q($skip: Boolean!) { messages @skip(if: $skip) { id } }");
    const token = await issuer.sign();
    const forbidden = await checkOperation({
      schema,
      document,
      variables: { skip: false },
      context: contextFor(token),
    });
    expect(forbidden?.status).toBe(403);
    expect(forbidden?.headers["WWW-Authenticate"]).toContain('scope="read:messages"');
    expect(forbidden?.errors[0]?.extensions.code).toBe("FORBIDDEN");
    const skipped = await checkOperation({
      schema,
      document,
      variables: { skip: true },
      context: contextFor(token),
    });
    expect(skipped).toBeNull();
    const ok = await checkOperation({
      schema,
      document,
      variables: { skip: false },
      context: contextFor(await issuer.sign({ scope: "read:messages" })),
    });
    expect(ok).toBeNull();
  });

  it("answers 400 for a malformed Authorization header, one error for the request", async () => {
    const denial = await checkOperation({
      schema,
      document: parse("{ me { id } }"),
      context: auth.createAuthContext({ headers: { authorization: "Bearer a b" } }),
    });
    expect(denial?.status).toBe(400);
    expect(denial?.errors).toHaveLength(1);
    expect(denial?.errors[0]?.extensions.code).toBe("BAD_REQUEST");
    expect(denial?.errors[0]?.path).toBeUndefined();
  });

  it("denies a context without auth (fail closed) and refuses bad arguments cleanly", async () => {
    const denial = await checkOperation({ schema, document: parse("{ me { id } }"), context: {} });
    expect(denial?.status).toBe(401);
    await expect(
      checkOperation({ schema: {} as never, document: parse("{ me { id } }"), context: {} }),
    ).rejects.toThrow(/schema/);
    await expect(
      checkOperation({ schema, document: "{ me { id } }" as never, context: {} }),
    ).rejects.toThrow(/DocumentNode/);
    await expect(
      checkOperation({ schema, document: parse("{ me { id } }"), context: {}, mode: "x" as never }),
    ).rejects.toThrow(/mode/);
  });

  it("filter mode: null, and the denied fields resolve to null in execution with that context", async () => {
    const document = parse("{ public me { id } report { total } }");
    const contextValue = contextFor(await issuer.sign());
    const denial = await checkOperation({
      schema,
      document,
      context: contextValue,
      mode: "filter",
    });
    expect(denial).toBeNull();
    calls.length = 0;
    const result = await execute({ schema, document, contextValue });
    expect(result.data).toEqual({ public: "hello world", me: { id: "u1" }, report: null });
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: "FORBIDDEN" });
    expect(calls).toEqual(["Query.public", "Query.me"]);
  });
});
