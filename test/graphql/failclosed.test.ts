/** Set-ups that used to leave protected fields open now refuse to start or enforce. */
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { createSchema, createYoga } from "graphql-yoga";
import { ConfigurationError } from "scopegate";
import { authDirective, authDirectiveTypeDefs, useAuth } from "scopegate/graphql";
import { createTestIssuer, type TestIssuer } from "scopegate/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authFor, paths, post } from "./fixtures.js";

let issuer: TestIssuer;
let auth: ReturnType<typeof authFor>;
beforeAll(async () => {
  issuer = await createTestIssuer();
  auth = authFor(issuer);
});
afterAll(() => issuer.close());

const LINK = /* GraphQL */ `
  scalar link__Import
  directive @link(url: String!, as: String, import: [link__Import]) repeatable on SCHEMA
`;

describe("useAuth handed to Apollo Server", () => {
  const typeDefs = [authDirectiveTypeDefs, "type Query { me: String @auth }"];
  const resolvers = { Query: { me: () => "me" } };

  it("throws at start-up naming scopegate/apollo (server.start)", async () => {
    // @ts-expect-error useAuth is not an Apollo Server plugin: a type error there already
    const server = new ApolloServer({ typeDefs, resolvers, plugins: [useAuth(auth)] });
    await expect(server.start()).rejects.toThrow(/scopegate\/apollo/);
    await expect(server.start()).rejects.toBeInstanceOf(Error);
  });

  it("throws at start-up with startStandaloneServer: nothing listens", async () => {
    const plugins = [useAuth(auth)] as never[];
    const server = new ApolloServer({ typeDefs, resolvers, plugins });
    let error: unknown;
    try {
      const { url } = await startStandaloneServer(server, {
        listen: { port: 0, host: "127.0.0.1" },
      });
      await server.stop();
      throw new Error(`started at ${url}`);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(/apolloAuthPlugin\(auth\) from scopegate\/apollo/);
  });
});

describe("Federation @link renames and @policy", () => {
  const schema = () =>
    createSchema({
      typeDefs: /* GraphQL */ `
        ${LINK}
        extend schema
          @link(url: "https://specs.apollo.dev/federation/v2.5", import: [
            { name: "@requiresScopes", as: "@scopes" },
            { name: "@authenticated", as: "@signedIn" }
          ])
          @link(url: "https://specs.apollo.dev/federation/v2.6", as: "fed")
        directive @scopes(scopes: [[String!]!]!) on FIELD_DEFINITION | OBJECT
        directive @signedIn on FIELD_DEFINITION | OBJECT
        directive @fed__authenticated on FIELD_DEFINITION
        type Query {
          public: String
          a: String @scopes(scopes: [["read:a"]])
          b: String @signedIn
          c: String @fed__authenticated
          d: D
        }
        type D @signedIn { x: String }
      `,
      resolvers: {
        Query: {
          public: () => "p",
          a: () => "a",
          b: () => "b",
          c: () => "c",
          d: () => ({ x: "x" }),
        },
      },
    });

  it("enforces renamed and namespaced imports", async () => {
    const yoga = createYoga({ schema: schema(), plugins: [useAuth(auth)], logging: false });
    expect((await post(yoga, { query: "{ public }" })).status).toBe(200);
    const none = await post(yoga, { query: "{ a b c d { x } }" });
    expect(none.status).toBe(401);
    expect(paths(none)).toEqual(["a", "b", "c", "d"]);
    const token = await issuer.sign();
    const forbidden = await post(yoga, { query: "{ a b }" }, { token });
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get("www-authenticate")).toContain('scope="read:a"');
    const ok = await post(yoga, { query: "{ b c d { x } }" }, { token });
    expect(ok.body.data).toEqual({ b: "b", c: "c", d: { x: "x" } });
  });

  it("refuses a schema with @policy (plain, renamed) at start-up", () => {
    for (const [link, use] of [
      ["", "@policy"],
      [
        'extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: [{ name: "@policy", as: "@rule" }])',
        "@rule",
      ],
    ] as const) {
      const name = use.slice(1);
      const s = createSchema({
        typeDefs: `${LINK} ${link}
          directive ${use}(policies: [[String!]!]!) on FIELD_DEFINITION
          type Query { x: String ${use}(policies: [["p"]]) }`,
      });
      expect(() => authDirective(s), name).toThrow(ConfigurationError);
      expect(() => authDirective(s), name).toThrow(/Query\.x @\w+ cannot be enforced/);
      expect(() => createYoga({ schema: s, plugins: [useAuth(auth)], logging: false })).toThrow(
        /no policy handler/,
      );
    }
  });

  it("refuses an @auth argument scopegate does not enforce (it would be ignored)", () => {
    const s = createSchema({
      typeDefs: `directive @auth(scopes: [String!], level: [String!]) on FIELD_DEFINITION
        type Query { x: String @auth(level: ["mfa"]) }`,
    });
    expect(() => authDirective(s)).toThrow(/unknown argument "level"/);
  });
});
