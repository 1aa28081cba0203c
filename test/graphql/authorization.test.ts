/**
 * `@auth(acr:, maxAge:, organization:, policy:)` and Federation `@policy` over
 * GraphQL-over-HTTP (`yoga.fetch`), tokens from the test issuer.
 */
import { GraphQLObjectType, GraphQLSchema, GraphQLString } from "graphql";
import { createSchema, createYoga } from "graphql-yoga";
import { AUTH0_MFA_ACR, ConfigurationError, createAuth } from "scopegate";
import { authDirective, authDirectiveTypeDefs, useAuth } from "scopegate/graphql";
import { createTestIssuer, type TestIssuer } from "scopegate/testing";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { codes, paths, post } from "./fixtures.js";

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer();
});
afterAll(async () => {
  await issuer.close();
});
afterEach(() => {
  vi.useRealTimers();
});

const counts = { isOwner: 0, ownsPost: 0, broken: 0 };
const resolved: string[] = [];
beforeEach(() => {
  counts.isOwner = 0;
  counts.ownsPost = 0;
  counts.broken = 0;
  resolved.length = 0;
});

const typeDefs = /* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@policy"])
  directive @link(url: String!, import: [String]) repeatable on SCHEMA
  directive @policy(policies: [[String!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
  type Post {
    id: ID!
    authorId: String!
    secret: String @auth(policy: "ownsPost")
  }
  type Query {
    public: String
    mfa: String @auth(acr: ["${AUTH0_MFA_ACR}"])
    fresh: String @auth(maxAge: 300)
    stepUp: String @auth(acr: ["urn:gold", "a\\"b"], maxAge: 60)
    acme: String @auth(organization: ["org_acme", "Globex"])
    doc(ownerId: String!): String @auth(policy: "isOwner")
    docAgain(ownerId: String!): String @auth(policy: "isOwner")
    either(ownerId: String!): String @policy(policies: [["isOwner", "isAdmin"], ["isSupport"]])
    posts: [Post!]!
    broken: String @auth(policy: "broken")
  }
`;

function build(mode: "reject" | "filter" = "reject") {
  const auth = createAuth({
    issuer: issuer.url,
    audience: issuer.audience,
    dpop: { mode: "disabled" },
    policies: {
      isOwner: ({ claims, args }) => {
        counts.isOwner++;
        return args?.ownerId === claims.sub;
      },
      isAdmin: ({ claims }) => claims.scope === "admin",
      isSupport: async ({ claims }) => claims.scope === "support",
      ownsPost: {
        usesParent: true,
        check: ({ claims, parent }) => {
          counts.ownsPost++;
          return (parent as { authorId: string }).authorId === claims.sub;
        },
      },
      broken: () => {
        counts.broken++;
        throw new Error("policy store down");
      },
    },
  });
  const field = (name: string) => () => {
    resolved.push(name);
    return name;
  };
  const schema = createSchema({
    typeDefs: [authDirectiveTypeDefs, typeDefs],
    resolvers: {
      Query: {
        public: field("public"),
        mfa: field("mfa"),
        fresh: field("fresh"),
        stepUp: field("stepUp"),
        acme: field("acme"),
        doc: field("doc"),
        docAgain: field("docAgain"),
        either: field("either"),
        broken: field("broken"),
        posts: () => [
          { id: "1", authorId: "auth0|alice" },
          { id: "2", authorId: "auth0|bob" },
        ],
      },
      Post: { secret: (p: { id: string }) => `secret ${p.id}` },
    },
  });
  const yoga = createYoga({ schema, plugins: [useAuth(auth, { mode })], logging: false });
  return { auth, yoga };
}

describe("@auth(acr:, maxAge:) — step-up (RFC 9470)", () => {
  it("passes Auth0's MFA acr and amr mfa; a weaker login is 401 with acr_values, nothing executed", async () => {
    const { yoga } = build();
    for (const claims of [{ acr: AUTH0_MFA_ACR }, { amr: ["mfa"] }]) {
      const ok = await post(yoga, { query: "{ mfa }" }, { token: await issuer.sign(claims) });
      expect(ok.body).toEqual({ data: { mfa: "mfa" } });
    }
    resolved.length = 0;
    const a = await post(yoga, { query: "{ public mfa }" }, { token: await issuer.sign({}) });
    expect(a.status).toBe(401);
    expect(a.headers.get("www-authenticate")).toBe(
      `Bearer realm="api", error="insufficient_user_authentication", error_description="a stronger login is required (acr ${AUTH0_MFA_ACR})", acr_values="${AUTH0_MFA_ACR}"`,
    );
    expect("data" in a.body).toBe(false);
    expect(codes(a)).toEqual(["UNAUTHENTICATED"]);
    expect(a.body.errors?.[0]?.extensions?.error).toBe("insufficient_user_authentication");
    expect(resolved).toEqual([]);
  });

  it("max_age: exactly maxAge passes, one second more is 401 with max_age=300", async () => {
    const { yoga } = build();
    const login = Math.floor(Date.now() / 1000);
    const token = await issuer.sign({ auth_time: login });
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime((login + 300) * 1000);
    expect((await post(yoga, { query: "{ fresh }" }, { token })).body).toEqual({
      data: { fresh: "fresh" },
    });
    vi.setSystemTime((login + 301) * 1000);
    const late = await post(yoga, { query: "{ fresh }" }, { token });
    expect(late.status).toBe(401);
    expect(late.headers.get("www-authenticate")).toBe(
      'Bearer realm="api", error="insufficient_user_authentication", error_description="a more recent login is required (at most 300 seconds ago)", max_age=300',
    );
  });

  it("escapes acr_values and names both parameters", async () => {
    const { yoga } = build();
    const a = await post(
      yoga,
      { query: "{ stepUp }" },
      { token: await issuer.sign({ acr: "urn:gold" }) },
    );
    expect(a.headers.get("www-authenticate")).toContain('acr_values="urn:gold a\\"b", max_age=60');
  });

  it("filter mode nulls the field with the error and answers 200", async () => {
    const { yoga } = build("filter");
    const a = await post(yoga, { query: "{ public mfa }" }, { token: await issuer.sign({}) });
    expect(a.status).toBe(200);
    expect(a.body.data).toEqual({ public: "public", mfa: null });
    expect(paths(a)).toEqual(["mfa"]);
    expect(a.body.errors?.[0]?.extensions?.error).toBe("insufficient_user_authentication");
  });
});

describe("@auth(organization:)", () => {
  it("passes an ID or a name (case-insensitive); refuses others with 403 and no scope=", async () => {
    const { yoga } = build();
    const ok = await post(
      yoga,
      { query: "{ acme }" },
      { token: await issuer.sign({ org_id: "org_acme" }) },
    );
    expect(ok.body).toEqual({ data: { acme: "acme" } });
    const named = await post(
      yoga,
      { query: "{ acme }" },
      { token: await issuer.sign({ org_id: "org_g", org_name: "globex" }) },
    );
    expect(named.body).toEqual({ data: { acme: "acme" } });
    const other = await post(
      yoga,
      { query: "{ acme }" },
      { token: await issuer.sign({ org_id: "org_x" }) },
    );
    expect(other.status).toBe(403);
    expect(other.headers.get("www-authenticate")).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="this operation is not available to the token\'s organization"',
    );
    expect(codes(other)).toEqual(["FORBIDDEN"]);
  });
});

describe("@auth(policy:) and Federation @policy", () => {
  it("an argument-only policy runs before execution: a denial is 403 policy_denied, nothing resolved", async () => {
    const { yoga } = build();
    const token = await issuer.sign({ sub: "auth0|alice" });
    const ok = await post(yoga, { query: '{ doc(ownerId: "auth0|alice") }' }, { token });
    expect(ok.body).toEqual({ data: { doc: "doc" } });
    resolved.length = 0;
    const no = await post(
      yoga,
      { query: "query ($o: String!) { public doc(ownerId: $o) }", variables: { o: "auth0|bob" } },
      { token },
    );
    expect(no.status).toBe(403);
    expect(no.headers.get("www-authenticate")).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="denied by the policy isOwner"',
    );
    expect("data" in no.body).toBe(false);
    expect(no.body.errors?.[0]).toMatchObject({
      path: ["doc"],
      extensions: { code: "FORBIDDEN", error: "insufficient_scope" },
    });
    expect(resolved).toEqual([]);
  });

  it("evaluates each (policy, arguments) once per request, before and at resolve time", async () => {
    const { yoga } = build();
    const token = await issuer.sign({ sub: "auth0|alice" });
    const a = await post(
      yoga,
      {
        query: `query ($o: String!) { a: doc(ownerId: $o) b: doc(ownerId: "auth0|alice") docAgain(ownerId: $o) }`,
        variables: { o: "auth0|alice" },
      },
      { token },
    );
    expect(a.body).toEqual({ data: { a: "doc", b: "doc", docAgain: "docAgain" } });
    expect(counts.isOwner).toBe(1);
    await post(yoga, { query: '{ doc(ownerId: "auth0|alice") }' }, { token });
    expect(counts.isOwner).toBe(2); // a new request evaluates again
  });

  it("Federation @policy is an OR of AND groups", async () => {
    const { yoga } = build();
    const q = { query: '{ either(ownerId: "auth0|alice") }' };
    const ownerAdmin = await issuer.sign({ sub: "auth0|alice", scope: "admin" });
    expect((await post(yoga, q, { token: ownerAdmin })).body).toEqual({
      data: { either: "either" },
    });
    const support = await issuer.sign({ sub: "auth0|zed", scope: "support" });
    expect((await post(yoga, q, { token: support })).body).toEqual({ data: { either: "either" } });
    const ownerOnly = await issuer.sign({ sub: "auth0|alice" });
    const denied = await post(yoga, q, { token: ownerOnly });
    expect(denied.status).toBe(403);
    expect(denied.body.errors?.[0]?.message).toBe("denied by the policy isAdmin");
  });

  it("a policy needing the parent runs at resolve time, once per parent: denied items are nulled", async () => {
    const { yoga } = build();
    const token = await issuer.sign({ sub: "auth0|alice" });
    const a = await post(
      yoga,
      { query: "{ posts { id secret } again: posts { secret } }" },
      { token },
    );
    expect(a.status).toBe(200);
    expect(a.body.data).toEqual({
      posts: [
        { id: "1", secret: "secret 1" },
        { id: "2", secret: null },
      ],
      again: [{ secret: "secret 1" }, { secret: null }],
    });
    expect(paths(a)).toEqual(["posts.1.secret", "again.1.secret"]);
    expect(codes(a)).toEqual(["FORBIDDEN", "FORBIDDEN"]);
    // Four (field, parent) pairs, but the second posts list has new parent objects.
    expect(counts.ownsPost).toBe(4);
  });

  it("filter mode: an argument-only policy denial nulls the field, the rest executes (200)", async () => {
    const { yoga } = build("filter");
    const token = await issuer.sign({ sub: "auth0|alice" });
    const a = await post(yoga, { query: '{ public doc(ownerId: "auth0|bob") }' }, { token });
    expect(a.status).toBe(200);
    expect(a.body.data).toEqual({ public: "public", doc: null });
    expect(a.body.errors?.[0]).toMatchObject({
      path: ["doc"],
      message: "denied by the policy isOwner",
      extensions: { code: "FORBIDDEN", error: "insufficient_scope" },
    });
    expect(resolved).toEqual(["public"]);
    expect(counts.isOwner).toBe(1);
  });

  it("code-first extensions.directives.auth takes acr, maxAge, organization and policy too", async () => {
    const auth = createAuth({
      issuer: issuer.url,
      audience: issuer.audience,
      dpop: { mode: "disabled" },
      policies: { flag: ({ claims }) => claims.scope === "beta" },
    });
    const schema = new GraphQLSchema({
      query: new GraphQLObjectType({
        name: "Query",
        fields: {
          beta: {
            type: GraphQLString,
            resolve: () => "beta",
            extensions: { directives: { auth: { policy: "flag", maxAge: 60 } } },
          },
          org: {
            type: GraphQLString,
            resolve: () => "org",
            extensions: { directives: [{ name: "auth", args: { organization: ["org_a"] } }] },
          },
        },
      }),
    });
    const yoga = createYoga({ schema, plugins: [useAuth(auth)], logging: false });
    const now = Math.floor(Date.now() / 1000);
    const good = await issuer.sign({ scope: "beta", auth_time: now, org_id: "org_a" });
    expect((await post(yoga, { query: "{ beta org }" }, { token: good })).body).toEqual({
      data: { beta: "beta", org: "org" },
    });
    const old = await issuer.sign({ scope: "beta", auth_time: now - 120 });
    const a = await post(yoga, { query: "{ beta }" }, { token: old });
    expect(a.status).toBe(401);
    expect(a.headers.get("www-authenticate")).toContain("max_age=60");
    const noFlag = await issuer.sign({ auth_time: now });
    expect((await post(yoga, { query: "{ beta }" }, { token: noFlag })).status).toBe(403);
    const otherOrg = await issuer.sign({ org_id: "org_b" });
    expect((await post(yoga, { query: "{ org }" }, { token: otherOrg })).status).toBe(403);
  });

  it("a throwing policy is a 500 server_error, never an allow", async () => {
    const { yoga } = build();
    const a = await post(yoga, { query: "{ public broken }" }, { token: await issuer.sign({}) });
    expect(a.status).toBe(500);
    expect("data" in a.body).toBe(false);
    expect(a.body.errors?.[0]?.extensions).toMatchObject({
      code: "INTERNAL_SERVER_ERROR",
      error: "server_error",
      error_description: "internal error while evaluating the policy broken",
    });
    expect(JSON.stringify(a.body)).not.toContain("policy store down");
    expect(counts.broken).toBe(1);
    expect(resolved).toEqual([]);
  });

  it("an unknown policy name is a ConfigurationError at plugin set-up and at transform", () => {
    const auth = createAuth({
      issuer: issuer.url,
      audience: issuer.audience,
      policies: { a: () => true },
    });
    const schema = () =>
      createSchema({
        typeDefs: [authDirectiveTypeDefs, 'type Query { x: String @auth(policy: "b") }'],
      });
    expect(() =>
      createYoga({ schema: schema(), plugins: [useAuth(auth)], logging: false }),
    ).toThrow(
      /Query\.x @auth cannot be enforced: no policy handler named "b"; declare it in createAuth\(\{ policies \}\) \(declared: a\)/,
    );
    expect(() => authDirective(schema(), { policies: auth.policyNames })).toThrow(
      ConfigurationError,
    );
    expect(() => authDirective(schema())).toThrow(/no policy handler is configured/);
    expect(() =>
      authDirective(
        createSchema({
          typeDefs: [authDirectiveTypeDefs, 'type Query { x: String @auth(policy: "a") }'],
        }),
        { policies: auth.policyNames },
      ),
    ).not.toThrow();
  });

  it("refuses bad acr / maxAge / organization values at transform", () => {
    for (const [args, message] of [
      ["acr: []", /acr:\) is empty/],
      ['acr: ["a b"]', /invalid name/],
      ["maxAge: -1", /maxAge/],
      ['organization: [""]', /invalid name/],
    ] as const) {
      const s = createSchema({
        typeDefs: [authDirectiveTypeDefs, `type Query { x: String @auth(${args}) }`],
      });
      expect(() => authDirective(s), args).toThrow(message);
    }
  });
});
