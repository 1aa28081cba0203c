/** Code-first schemas: graphql-tools' `extensions.directives` (object and Pothos array forms). */
import {
  GraphQLInterfaceType,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
} from "graphql";
import { createYoga } from "graphql-yoga";
import { makeSchema, objectType } from "nexus";
import { ConfigurationError } from "scopegate";
import { authDirective, useAuth } from "scopegate/graphql";
import { createTestIssuer, type TestIssuer } from "scopegate/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authFor, codes, paths, post } from "./fixtures.js";

let issuer: TestIssuer;
let auth: ReturnType<typeof authFor>;
beforeAll(async () => {
  issuer = await createTestIssuer();
  auth = authFor(issuer);
});
afterAll(() => issuer.close());

function graphqlJsSchema() {
  const Owned = new GraphQLInterfaceType({
    name: "Owned",
    fields: { owner: { type: GraphQLString } },
    // Pothos' array form, type-level on an interface: applies to its implementations.
    extensions: { directives: [{ name: "auth", args: { scopes: ["read:owned"] } }] },
  });
  const Car = new GraphQLObjectType({
    name: "Car",
    interfaces: [Owned],
    fields: { owner: { type: GraphQLString }, model: { type: GraphQLString } },
  });
  const Profile = new GraphQLObjectType({
    name: "Profile",
    fields: { name: { type: GraphQLString } },
    extensions: { directives: { auth: { scopes: ["read:profile"] } } }, // object form, on a type
  });
  const Query = new GraphQLObjectType({
    name: "Query",
    fields: {
      public: { type: GraphQLString, resolve: () => "hi" },
      me: { type: GraphQLString, resolve: () => "me", extensions: { directives: { auth: {} } } },
      messages: {
        type: new GraphQLNonNull(new GraphQLList(GraphQLString)),
        resolve: () => ["m1"],
        extensions: { directives: { auth: { scopes: ["read:messages"] } } },
      },
      fed: {
        type: GraphQLString,
        resolve: () => "fed",
        extensions: { directives: [{ name: "requiresScopes", args: { scopes: [["fed:a"]] } }] },
      },
      profile: { type: Profile, resolve: () => ({ name: "Alice" }) },
      car: { type: Car, resolve: () => ({ owner: "Alice", model: "T" }) },
      tagged: {
        type: GraphQLString,
        resolve: () => "ok",
        extensions: { directives: { cacheControl: { maxAge: () => 1 } } }, // not ours: ignored
      },
    },
  });
  return new GraphQLSchema({ query: Query, types: [Car] });
}

function nexusSchema() {
  const Query = objectType({
    name: "Query",
    definition(t) {
      t.string("public", { resolve: () => "hi" });
      t.string("secret", {
        resolve: () => "s3cret",
        extensions: { directives: { auth: { scopes: ["read:secret"] } } },
      });
      t.field("account", { type: "Account", resolve: () => ({ id: "a1" }) });
    },
  });
  const Account = objectType({
    name: "Account",
    extensions: { directives: [{ name: "auth", args: { permissions: ["read:accounts"] } }] },
    definition(t) {
      t.string("id");
    },
  });
  return makeSchema({ types: [Query, Account], shouldGenerateArtifacts: false });
}

const yogaOf = (schema: GraphQLSchema) =>
  createYoga({ schema, plugins: [useAuth(auth)], logging: false });

describe("code-first schemas through yoga", () => {
  it("graphql-js extensions.directives: 401 / 403 / 200 on fields, types and interfaces", async () => {
    const yoga = yogaOf(graphqlJsSchema());
    expect((await post(yoga, { query: "{ public tagged }" })).status).toBe(200);
    const none = await post(yoga, { query: "{ me messages }" });
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toBe('Bearer realm="api"');
    expect(paths(none)).toEqual(["me", "messages"]);
    const token = await issuer.sign();
    const forbidden = await post(yoga, { query: "{ me messages }" }, { token });
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get("www-authenticate")).toContain('scope="read:messages"');
    for (const [query, scope] of [
      ["{ profile { name } }", "read:profile"],
      ["{ car { model } }", "read:owned"],
      ["{ fed }", "fed:a"],
    ] as const) {
      const a = await post(yoga, { query }, { token });
      expect(a.status, query).toBe(403);
      expect(a.headers.get("www-authenticate")).toContain(`scope="${scope}"`);
      expect(a.body.data).toBeUndefined();
    }
    const ok = await post(
      yoga,
      { query: "{ me messages profile { name } car { model } fed }" },
      { token: await issuer.sign({ scope: "read:messages read:profile read:owned fed:a" }) },
    );
    expect(ok.status).toBe(200);
    expect(ok.body.data).toEqual({
      me: "me",
      messages: ["m1"],
      profile: { name: "Alice" },
      car: { model: "T" },
      fed: "fed",
    });
  });

  it("Nexus: field and type extensions are enforced", async () => {
    const yoga = yogaOf(nexusSchema());
    expect((await post(yoga, { query: "{ public }" })).body.data).toEqual({ public: "hi" });
    const none = await post(yoga, { query: "{ secret }" });
    expect(none.status).toBe(401);
    expect(codes(none)).toEqual(["UNAUTHENTICATED"]);
    const token = await issuer.sign({ scope: "read:secret" });
    expect((await post(yoga, { query: "{ secret }" }, { token })).body.data).toEqual({
      secret: "s3cret",
    });
    const account = await post(yoga, { query: "{ account { id } }" }, { token });
    expect(account.status).toBe(403);
    expect(account.headers.get("www-authenticate")).toContain('scope="read:accounts"');
    const allowed = await post(
      yoga,
      { query: "{ account { id } }" },
      { token: await issuer.sign({ permissions: ["read:accounts"] }) },
    );
    expect(allowed.body.data).toEqual({ account: { id: "a1" } });
  });

  it("fails closed without the plugin too: bare execution of the transformed schema", async () => {
    const schema = authDirective(graphqlJsSchema());
    const { graphql } = await import("graphql");
    const result = await graphql({ schema, source: "{ me public }", contextValue: {} });
    expect(result.data).toEqual({ me: null, public: "hi" });
    expect(result.errors?.[0]?.extensions.code).toBe("UNAUTHENTICATED");
  });
});

describe("code-first validation at transform time", () => {
  const schemaWith = (extensions: Record<string, unknown>) =>
    new GraphQLSchema({
      query: new GraphQLObjectType({
        name: "Query",
        fields: { x: { type: GraphQLString, extensions } },
      }),
    });
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ["empty anyOf", { directives: { auth: { anyOf: [] } } }, /Query\.x @auth\(anyOf:\) is empty/],
    ["empty group", { directives: [{ name: "auth", args: { anyOf: [[]] } }] }, /empty group/],
    ["a typo", { directives: { auth: { scope: ["a"] } } }, /unknown argument "scope"/],
    ["a scope with a space", { directives: { auth: { scopes: ["a b"] } } }, /invalid name/],
    ["a number scope", { directives: { auth: { scopes: [1] } } }, /takes strings only/],
    ["a bad shape", { directives: "auth" }, /extensions\.directives must be/],
    ["args not an object", { directives: { auth: "admin" } }, /takes an object of arguments/],
    ["requiresScopes without scopes", { directives: { requiresScopes: {} } }, /needs a scopes/],
    ["policy", { directives: { policy: { policies: [["p"]] } } }, /no policy handler/],
  ];
  for (const [name, extensions, message] of cases) {
    it(`refuses ${name}`, () => {
      let error: unknown;
      try {
        authDirective(schemaWith(extensions));
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(String((error as Error).message)).toMatch(message);
    });
  }
});
