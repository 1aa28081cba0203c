import { createSchema } from "graphql-yoga";
import { ConfigurationError } from "scopegate";
import { authDirective, authDirectiveTypeDefs } from "scopegate/graphql";
import { createTestIssuer, type TestIssuer } from "scopegate/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { authFor, calls, codes, paths, post, yogaFor } from "./fixtures.js";

let issuer: TestIssuer;
let yoga: ReturnType<typeof yogaFor>;
beforeAll(async () => {
  issuer = await createTestIssuer();
  yoga = yogaFor(authFor(issuer));
});
afterAll(async () => {
  await issuer.close();
});
beforeEach(() => {
  calls.length = 0;
});

const as = async (scope: string, extra: Record<string, unknown> = {}) =>
  issuer.sign({ scope, ...extra });

describe("a field's requirement: own AND parent type AND return type", () => {
  it("applies a type-level @auth on the parent to every field of the type", async () => {
    const token = await as("openid");
    // Profile @auth(scopes: ["read:profile"]) is the return type of Query.profile and the parent of name.
    const denied = await post(yoga, { query: "{ profile { name } }" }, { token });
    expect(denied.status).toBe(403);
    expect(denied.headers.get("www-authenticate")).toContain('scope="read:profile"');
    expect(paths(denied)).toEqual(["profile"]);
    const ok = await post(
      yoga,
      { query: "{ profile { name } }" },
      { token: await as("read:profile") },
    );
    expect(ok.body).toEqual({ data: { profile: { name: "Alice" } } });
  });

  it("applies a return type's @auth to the field returning it, also with only __typename selected", async () => {
    const a = await post(
      yoga,
      { query: "{ profile { __typename } }" },
      { token: await as("openid") },
    );
    expect(a.status).toBe(403);
    expect(calls).toEqual([]);
  });

  it("applies an interface's type-level @auth to its implementations", async () => {
    const token = await as("openid");
    // Car implements Owned @auth(scopes: ["read:owned"]); Car itself has no directive.
    const a = await post(yoga, { query: "{ car { model } }" }, { token });
    expect(a.status).toBe(403);
    expect(a.body.errors?.[0]?.extensions?.error_description).toBe(
      "missing required scopes: read:owned",
    );
    const b = await post(yoga, { query: "{ owned { owner } }" }, { token });
    expect(b.status).toBe(403);
    const ok = await post(
      yoga,
      { query: "{ car { model } owned { owner } }" },
      { token: await as("read:owned") },
    );
    expect(ok.body).toEqual({ data: { car: { model: "T" }, owned: { owner: "Alice" } } });
  });

  it("ANDs a field's own scopes with its type's", async () => {
    const token = await as("box");
    const ok = await post(yoga, { query: "{ box { f5 f6 } }" }, { token });
    expect(ok.body).toEqual({ data: { box: { f5: 5, f6: 6 } } });
    const denied = await post(yoga, { query: "{ box { f5 f9 } }" }, { token });
    expect(denied.status).toBe(403);
    expect(paths(denied)).toEqual(["box.f9"]);
  });
});

describe("interfaces and unions: checked against every concrete type", () => {
  it("denies a field selected through an interface when one implementation is protected", async () => {
    const token = await as("openid");
    // node(id: "a1") resolves to an Article, but Secret (also a Node) needs read:secrets.
    const a = await post(yoga, { query: '{ node(id: "a1") { id } }' }, { token });
    expect(a.status).toBe(403);
    expect(paths(a)).toEqual(["node.id"]);
    expect(a.headers.get("www-authenticate")).toContain('scope="read:secrets"');
    expect(calls).toEqual([]);
  });

  it("allows the same object through a fragment on the public implementation", async () => {
    const token = await as("openid");
    const a = await post(
      yoga,
      { query: '{ node(id: "a1") { __typename ... on Article { id title } } }' },
      { token },
    );
    expect(a.body).toEqual({ data: { node: { __typename: "Article", id: "a1", title: "Hi" } } });
  });

  it("denies the protected implementation's fragment in a union, allows the other one", async () => {
    const token = await as("openid");
    const denied = await post(
      yoga,
      { query: "{ search { __typename ... on Article { title } ... on Secret { code } } }" },
      { token },
    );
    expect(denied.status).toBe(403);
    expect(paths(denied)).toEqual(["search.code"]);
    const ok = await post(
      yoga,
      { query: "{ search { __typename ... on Article { title } } }" },
      { token },
    );
    expect(ok.body).toEqual({
      data: { search: [{ __typename: "Article", title: "Hi" }, { __typename: "Secret" }] },
    });
    const full = await post(
      yoga,
      { query: "{ search { ... on Node { id } } }" },
      { token: await as("read:secrets") },
    );
    expect(full.body).toEqual({ data: { search: [{ id: "a1" }, { id: "s1" }] } });
  });

  it("checks an interface fragment inside a union against the union's members only", async () => {
    const a = await post(
      yoga,
      { query: "{ search { ... on Node { id } } }" },
      { token: await as("openid") },
    );
    expect(a.status).toBe(403);
    expect(paths(a)).toEqual(["search.id"]);
  });

  it("narrows an interface fragment on a concrete parent to that parent", async () => {
    const a = await post(yoga, { query: "{ article { ... on Node { id } } }" });
    expect(a.body).toEqual({ data: { article: { id: "a1" } } });
  });
});

describe("fragments, aliases, variables, @skip / @include", () => {
  it("follows named and nested fragments", async () => {
    const query = /* GraphQL */ `
      query { ...Root }
      fragment Root on Query { public ...Inner }
      fragment Inner on Query { ... on Query { mine: me { id } } }
    `;
    const a = await post(yoga, { query });
    expect(a.status).toBe(401);
    expect(paths(a)).toEqual(["mine"]);
  });

  it("respects @skip and @include with variables and defaults", async () => {
    const query = /* GraphQL */ `
      query Q($hide: Boolean!, $show: Boolean = false) {
        public
        me @skip(if: $hide) { id }
        ... @include(if: $show) { messages { id } }
      }
    `;
    const skipped = await post(yoga, { query, variables: { hide: true } });
    expect(skipped.body).toEqual({ data: { public: "hello world" } });
    const shown = await post(yoga, { query, variables: { hide: false, show: true } });
    expect(shown.status).toBe(401);
    expect(paths(shown)).toEqual(["me", "messages"]);
    const literal = await post(yoga, { query: "{ public me @include(if: false) { id } }" });
    expect(literal.status).toBe(200);
  });

  it("treats a named fragment skipped by @skip as not selected", async () => {
    const query = "query($s: Boolean!) { ...F @skip(if: $s) } fragment F on Query { me { id } }";
    expect((await post(yoga, { query, variables: { s: true } })).status).toBe(200);
    expect((await post(yoga, { query, variables: { s: false } })).status).toBe(401);
  });

  it("picks the operation by operationName", async () => {
    const query = "query A { public } query B { me { id } }";
    expect((await post(yoga, { query, operationName: "A" })).status).toBe(200);
    expect((await post(yoga, { query, operationName: "B" })).status).toBe(401);
  });

  it("always allows __typename", async () => {
    const a = await post(yoga, {
      query: '{ __typename node(id: "s1") { __typename } search { __typename } }',
    });
    expect(a.status).toBe(200);
    expect(a.body.data).toEqual({
      __typename: "Query",
      node: { __typename: "Secret" },
      search: [{ __typename: "Article" }, { __typename: "Secret" }],
    });
  });
});

describe("anyOf and permissions", () => {
  it("accepts any one group of anyOf and names the first group in the challenge", async () => {
    const q = { query: "{ report { total } }" };
    const denied = await post(yoga, q, { token: await as("read:messages") });
    expect(denied.status).toBe(403);
    expect(denied.headers.get("www-authenticate")).toContain('scope="read:reports"');
    expect(denied.body.errors?.[0]?.extensions?.error_description).toBe(
      "requires one of the scope sets: read:reports | admin",
    );
    for (const scope of ["read:reports", "admin", "x admin"]) {
      expect((await post(yoga, q, { token: await as(scope) })).body).toEqual({
        data: { report: { total: 42 } },
      });
    }
  });

  it("reads permissions from the Auth0 RBAC claim, not from scopes", async () => {
    const q = { query: "{ users { id } }" };
    const asScope = await post(yoga, q, { token: await as("read:users") });
    expect(asScope.status).toBe(403);
    expect(asScope.body.errors?.[0]?.extensions?.error_description).toBe(
      "missing required permissions: read:users",
    );
    expect(asScope.headers.get("www-authenticate")).toContain('scope="read:users"');
    const ok = await post(yoga, q, { token: await as("", { permissions: ["read:users"] }) });
    expect(ok.body).toEqual({ data: { users: [{ id: "u1" }] } });
  });
});

describe("Apollo Federation directives", () => {
  it("reads @authenticated on a type and a scalar, @requiresScopes on a field and an enum", async () => {
    const none = await post(yoga, { query: "{ fedUser { name } money grade fedField }" });
    expect(none.status).toBe(401);
    expect(paths(none)).toEqual(["fedUser", "money", "grade", "fedField"]);
    expect(codes(none)).toEqual(Array(4).fill("UNAUTHENTICATED"));
    const some = await post(
      yoga,
      { query: "{ fedUser { name } money grade fedField }" },
      { token: await as("fed:a") },
    );
    expect(some.status).toBe(403);
    expect(paths(some)).toEqual(["grade", "fedField"]);
    const ok = await post(
      yoga,
      { query: "{ fedUser { name } money grade fedField }" },
      { token: await as("fed:a fed:b read:grades") },
    );
    expect(ok.body).toEqual({
      data: { fedUser: { name: "Fed" }, money: "12.50 EUR", grade: "A", fedField: "fed" },
    });
    expect(
      (await post(yoga, { query: "{ fedField }" }, { token: await as("fed:admin") })).status,
    ).toBe(200);
  });

  it("reads the namespaced federation__ names, and can be turned off", async () => {
    const typeDefs = /* GraphQL */ `
      directive @federation__requiresScopes(scopes: [[String!]!]!) on FIELD_DEFINITION
      type Query { a: Int @federation__requiresScopes(scopes: [["x"]]) b: Int }
    `;
    const on = authDirective(
      createSchema({ typeDefs, resolvers: { Query: { a: () => 1, b: () => 2 } } }),
    );
    const off = authDirective(
      createSchema({ typeDefs, resolvers: { Query: { a: () => 1, b: () => 2 } } }),
      {
        federation: false,
      },
    );
    const { graphql } = await import("graphql");
    expect(
      (await graphql({ schema: on, source: "{ a }", contextValue: {} })).errors?.[0]?.extensions
        ?.code,
    ).toBe("UNAUTHENTICATED");
    expect(await graphql({ schema: off, source: "{ a }", contextValue: {} })).toEqual({
      data: { a: 1 },
    });
  });
});

describe("schema errors at transform time", () => {
  const build = (field: string, extra = "") =>
    createSchema({
      typeDefs: [authDirectiveTypeDefs, `${extra} type Query { ${field} }`],
      resolvers: {},
    });

  it("throws a ConfigurationError for @auth(anyOf: []) and for an empty group", () => {
    expect(() => authDirective(build("a: Int @auth(anyOf: [])"))).toThrow(ConfigurationError);
    expect(() => authDirective(build("a: Int @auth(anyOf: [])"))).toThrow(
      /Query\.a @auth\(anyOf:\) is empty/,
    );
    expect(() => authDirective(build('a: Int @auth(anyOf: [["x"], []])'))).toThrow(/empty group/);
  });

  it("throws for an empty @requiresScopes and for a scope with a space", () => {
    const fed = "directive @requiresScopes(scopes: [[String!]!]!) on FIELD_DEFINITION";
    expect(() => authDirective(build("a: Int @requiresScopes(scopes: [])", fed))).toThrow(
      /is empty/,
    );
    expect(() => authDirective(build('a: Int @auth(scopes: ["read:a read:b"])'))).toThrow(
      /without spaces/,
    );
  });

  it("refuses @auth(scopes: []) and @auth(permissions: []) as requireScopes([]) is refused, and comma-joined names", () => {
    expect(() => authDirective(build("a: Int @auth(scopes: [])"))).toThrow(
      /Query\.a @auth\(scopes:\) is empty: list at least one name, or use @auth alone/,
    );
    expect(() => authDirective(build("a: Int @auth(permissions: [])"))).toThrow(/is empty/);
    expect(() => authDirective(build('a: Int @auth(scopes: ["a,b"])'))).toThrow(
      /with a comma: .* write \["a", "b"\]/,
    );
  });

  it("throws for an unused interface field's bad directive too, and for a bad directive name", () => {
    const schema = createSchema({
      typeDefs: [
        authDirectiveTypeDefs,
        "interface I { a: Int @auth(anyOf: []) } type Query { b: Int }",
      ],
      resolvers: {},
    });
    expect(() => authDirective(schema)).toThrow(/I\.a @auth/);
    expect(() => authDirective(build("a: Int"), { directiveName: "no-dash" })).toThrow(
      ConfigurationError,
    );
  });

  it("reads a renamed directive", async () => {
    const schema = authDirective(
      createSchema({
        typeDefs:
          'directive @guard(scopes: [String!]) on FIELD_DEFINITION type Query { a: Int @guard(scopes: ["x"]) }',
        resolvers: { Query: { a: () => 1 } },
      }),
      { directiveName: "guard" },
    );
    const { graphql } = await import("graphql");
    const result = await graphql({ schema, source: "{ a }", contextValue: {} });
    expect(result.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });
});
