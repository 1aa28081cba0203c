import { createTestIssuer, type TestIssuer } from "scopegate/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { authFor, calls, codes, paths, post, yogaFor } from "./fixtures.js";

let issuer: TestIssuer;
let yoga: ReturnType<typeof yogaFor>;
beforeAll(async () => {
  issuer = await createTestIssuer();
  yoga = yogaFor(authFor(issuer), { mode: "filter" });
});
afterAll(async () => {
  await issuer.close();
});
beforeEach(() => {
  calls.length = 0;
});

describe("filter mode", () => {
  it("nulls the denied fields with an error each, runs the rest, answers 200", async () => {
    const a = await post(yoga, { query: "{ public me { id } messages { id } }" });
    expect(a.status).toBe(200);
    expect(a.headers.get("www-authenticate")).toBeNull();
    // messages is [Message!]! (non-null): its null propagates to data.
    expect(a.body.data).toBeNull();
    expect(codes(a)).toEqual(["UNAUTHENTICATED", "UNAUTHENTICATED"]);
    calls.length = 0;
    const b = await post(yoga, { query: "{ public me { id } report { total } }" });
    expect(b.status).toBe(200);
    expect(b.body.data).toEqual({ public: "hello world", me: null, report: null });
    expect(paths(b)).toEqual(["me", "report"]);
    expect(calls).toEqual(["Query.public"]);
  });

  it("gives 403-worthy fields a FORBIDDEN error and keeps what the token may see", async () => {
    const token = await issuer.sign({ scope: "read:messages" });
    const a = await post(
      yoga,
      { query: "{ me { id } messages { id } users { id } box { label f1 f5 } }" },
      { token },
    );
    expect(a.status).toBe(200);
    // users is non-null: the null propagates to data, as GraphQL's rules say.
    expect(a.body.data).toBeNull();
    const b = await post(
      yoga,
      { query: "{ me { id } messages { id } box { label f1 f5 } }" },
      { token },
    );
    expect(b.body.data).toEqual({
      me: { id: "u1" },
      messages: [{ id: "m1" }, { id: "m2" }],
      box: { label: "box", f1: 1, f5: null },
    });
    expect(b.body.errors).toEqual([
      {
        message: "missing required scopes: box",
        path: ["box", "f5"],
        locations: [expect.any(Object)],
        extensions: {
          code: "FORBIDDEN",
          error: "insufficient_scope",
          error_description: "missing required scopes: box",
        },
      },
    ]);
  });

  it("applies the interface rule in filter mode too, also to an Article in a list", async () => {
    const token = await issuer.sign({ scope: "openid" });
    const a = await post(yoga, { query: "{ nodes { __typename id } }" }, { token });
    expect(a.status).toBe(200);
    // nodes[0] is an Article, denied because Secret is a Node too. id is ID! in a [Node!]!,
    // so the first null propagates to data and graphql-js stops there.
    expect(paths(a)[0]).toBe("nodes.0.id");
    expect(codes(a)[0]).toBe("FORBIDDEN");
    expect(a.body.data).toBeNull();
    const b = await post(yoga, { query: '{ node(id: "a1") { id } article { id } }' }, { token });
    expect(b.body.data).toEqual({ node: null, article: { id: "a1" } });
  });

  it("runs the allowed field of a mutation and nulls the denied one", async () => {
    const a = await post(
      yoga,
      { query: "mutation { like deleteAll }" },
      { token: await issuer.sign() },
    );
    expect(a.status).toBe(200);
    expect(a.body.data).toMatchObject({ deleteAll: null });
    expect(calls).toEqual(["Mutation.like"]);
  });

  it("still answers 400 for a malformed Authorization header", async () => {
    const a = await post(yoga, { query: "{ public me { id } }" }, { authorization: "Bearer a,b" });
    expect(a.status).toBe(400);
    expect("data" in a.body).toBe(false);
    expect(codes(a)).toEqual(["BAD_REQUEST"]);
    expect(calls).toEqual([]);
  });

  it("still answers 503 with Retry-After on a key outage", async () => {
    const down = await createTestIssuer();
    try {
      const token = await down.sign();
      down.fail("500");
      const a = await post(
        yogaFor(authFor(down), { mode: "filter" }),
        { query: "{ public me { id } }" },
        { token },
      );
      expect(a.status).toBe(503);
      expect(a.headers.get("retry-after")).toMatch(/^\d+$/);
      expect(codes(a)).toEqual(["SERVICE_UNAVAILABLE"]);
      expect(calls).toEqual([]);
    } finally {
      await down.close();
    }
  });
});
