/** Shared schema, resolvers and request helpers of the GraphQL tests. */
import { createSchema, createYoga, type YogaServerOptions } from "graphql-yoga";
import { type AuthOptions, createAuth } from "scopegate";
import {
  authDirective,
  authDirectiveTypeDefs,
  type UseAuthOptions,
  useAuth,
} from "scopegate/graphql";
import type { TestIssuer } from "scopegate/testing";

export const typeDefs = /* GraphQL */ `
  directive @authenticated on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
  directive @requiresScopes(scopes: [[String!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM

  type Query {
    public: String
    hello(name: String): String
    me: User @auth
    messages: [Message!]! @auth(scopes: ["read:messages"])
    report: Report @auth(anyOf: [["read:reports"], ["admin"]])
    users: [User!]! @auth(permissions: ["read:users"])
    profile: Profile
    node(id: ID!): Node
    nodes: [Node!]!
    search: [SearchResult!]!
    article: Article
    car: Car
    owned: Owned
    fedUser: FedUser
    fedField: String @requiresScopes(scopes: [["fed:a", "fed:b"], ["fed:admin"]])
    grade: Grade
    money: Money
    secretCode: String! @auth(scopes: ["read:secrets"])
    box: Box
  }

  type Mutation {
    like: Int
    deleteAll: Int @auth(scopes: ["admin"])
  }

  type Subscription {
    ticks(every: Int): Int @auth
    publicTicks(every: Int): Int
    alerts(every: Int): Int @auth(scopes: ["read:alerts"])
  }

  type User { id: ID! email: String }
  type Message { id: ID! text: String! }
  type Report { total: Int }
  type Profile @auth(scopes: ["read:profile"]) { name: String }

  interface Node { id: ID! }
  type Article implements Node { id: ID! title: String }
  type Secret implements Node @auth(scopes: ["read:secrets"]) { id: ID! code: String }
  union SearchResult = Article | Secret

  interface Owned @auth(scopes: ["read:owned"]) { owner: String }
  type Car implements Owned { owner: String model: String }

  type FedUser @authenticated { name: String }
  enum Grade @requiresScopes(scopes: [["read:grades"]]) { A B }
  scalar Money @authenticated

  type Box {
    label: String
    f1: Int @auth
    f2: Int @auth
    f3: Int @auth
    f4: Int @auth
    f5: Int @auth(scopes: ["box"])
    f6: Int @auth(scopes: ["box"])
    f7: Int @auth(scopes: ["box"])
    f8: Int @auth(scopes: ["box"])
    f9: Int @auth(permissions: ["box:perm"])
    f10: Int @auth(permissions: ["box:perm"])
  }
`;

/** Every resolver call, by coordinate: the side-effect counter of "nothing executed". */
export const calls: string[] = [];
export let likes = 0;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Event sources currently running (a closed subscription stops its source). */
export const active = { ticks: 0 };

async function* ticks(every: number) {
  active.ticks++;
  try {
    for (let i = 0; ; i++) {
      await sleep(every);
      yield i;
    }
  } finally {
    active.ticks--;
  }
}

const track =
  <T>(name: string, value: T) =>
  () => {
    calls.push(name);
    return value;
  };

const box: Record<string, unknown> = { label: "box" };
for (let i = 1; i <= 10; i++) box[`f${i}`] = i;

export const resolvers = {
  Query: {
    public: track("Query.public", "hello world"),
    hello: (_: unknown, { name }: { name?: string }) => {
      calls.push("Query.hello");
      return `hello ${name ?? "you"}`;
    },
    me: track("Query.me", { id: "u1", email: "alice@example.com" }),
    messages: track("Query.messages", [
      { id: "m1", text: "one" },
      { id: "m2", text: "two" },
    ]),
    report: track("Query.report", { total: 42 }),
    users: track("Query.users", [{ id: "u1", email: "alice@example.com" }]),
    profile: track("Query.profile", { name: "Alice" }),
    node: (_: unknown, { id }: { id: string }) => {
      calls.push("Query.node");
      return id.startsWith("s")
        ? { __typename: "Secret", id, code: "42" }
        : { __typename: "Article", id, title: "Hi" };
    },
    nodes: track("Query.nodes", [
      { __typename: "Article", id: "a1", title: "Hi" },
      { __typename: "Secret", id: "s1", code: "42" },
    ]),
    search: track("Query.search", [
      { __typename: "Article", id: "a1", title: "Hi" },
      { __typename: "Secret", id: "s1", code: "42" },
    ]),
    article: track("Query.article", { id: "a1", title: "Hi" }),
    car: track("Query.car", { owner: "Alice", model: "T" }),
    owned: track("Query.owned", { __typename: "Car", owner: "Alice", model: "T" }),
    fedUser: track("Query.fedUser", { name: "Fed" }),
    fedField: track("Query.fedField", "fed"),
    grade: track("Query.grade", "A"),
    money: track("Query.money", "12.50 EUR"),
    secretCode: track("Query.secretCode", "1234"),
    box: track("Query.box", box),
  },
  Mutation: {
    like: () => {
      calls.push("Mutation.like");
      likes++;
      return likes;
    },
    deleteAll: track("Mutation.deleteAll", 0),
  },
  Subscription: {
    ticks: {
      subscribe: (_: unknown, { every }: { every?: number }) => ticks(every ?? 200),
      resolve: (n: number) => n,
    },
    publicTicks: {
      subscribe: (_: unknown, { every }: { every?: number }) => ticks(every ?? 200),
      resolve: (n: number) => n,
    },
    alerts: {
      subscribe: (_: unknown, { every }: { every?: number }) => ticks(every ?? 200),
      resolve: (n: number) => n,
    },
  },
  Node: { __resolveType: (o: { __typename: string }) => o.__typename },
  Owned: { __resolveType: (o: { __typename: string }) => o.__typename },
  SearchResult: { __resolveType: (o: { __typename: string }) => o.__typename },
};

/** A fresh, transformed schema (the transform works in place, so one per test file). */
export function buildSchema() {
  return authDirective(createSchema({ typeDefs: [authDirectiveTypeDefs, typeDefs], resolvers }));
}

/** An auth for the test issuer; DPoP off so challenges are exact `Bearer …` strings. */
export function authFor(issuer: TestIssuer, extra: Partial<AuthOptions> = {}) {
  return createAuth({
    issuer: issuer.url,
    audience: issuer.audience,
    dpop: { mode: "disabled" },
    ...extra,
  } as AuthOptions);
}

/** A yoga with the plugin, quiet logs. */
export function yogaFor(
  auth: ReturnType<typeof authFor>,
  options: UseAuthOptions = {},
  extra: Partial<YogaServerOptions<Record<string, unknown>, Record<string, unknown>>> = {},
) {
  return createYoga({
    schema: buildSchema(),
    plugins: [useAuth(auth, options)],
    logging: false,
    ...extra,
  });
}

export interface GraphQLResponseBody {
  data?: Record<string, unknown> | null;
  errors?: {
    message: string;
    path?: (string | number)[];
    locations?: unknown[];
    extensions?: Record<string, unknown>;
  }[];
}

export interface Answer {
  status: number;
  headers: Headers;
  body: GraphQLResponseBody;
}

/** POSTs one operation (or a batch) to a yoga (`yoga.fetch`) or to a URL (real HTTP). */
export async function post(
  target: { fetch: (input: string, init: RequestInit) => Response | Promise<Response> } | string,
  body: unknown,
  init: { token?: string; authorization?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: "application/graphql-response+json",
    ...init.headers,
  };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.authorization !== undefined) headers.authorization = init.authorization;
  const requestInit: RequestInit = { method: "POST", headers, body: JSON.stringify(body) };
  const response =
    typeof target === "string"
      ? await fetch(target, requestInit)
      : await target.fetch("http://localhost/graphql", requestInit);
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as GraphQLResponseBody,
  };
}

/** The `extensions.code` of every error. */
export const codes = (a: Answer) => (a.body.errors ?? []).map((e) => e.extensions?.code);
/** The dotted path of every error. */
export const paths = (a: Answer) => (a.body.errors ?? []).map((e) => (e.path ?? []).join("."));
