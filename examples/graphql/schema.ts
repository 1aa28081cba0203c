/**
 * The example schema: public fields, `@auth` on fields, a type-level `@auth` type behind an
 * interface, a mutation pair where one field is protected, and subscriptions.
 */
import { createPubSub, createSchema } from "graphql-yoga";
import type { AccessTokenClaims, AuthState } from "scopegate";
import { authDirective, authDirectiveTypeDefs } from "scopegate/graphql";

export const typeDefs = /* GraphQL */ `
  type Query {
    "Anyone."
    hello: String!
    "Any valid access token."
    me: Me! @auth
    "Scope read:messages."
    messages: [Message!]! @auth(scopes: ["read:messages"])
    "Scope read:reports, or scope admin."
    report: Report! @auth(anyOf: [["read:reports"], ["admin"]])
    "The Auth0 RBAC permission read:users (the permissions claim, not a scope)."
    users: [User!]! @auth(permissions: ["read:users"])
    "Public posts only."
    posts: [Post!]!
    "Posts and drafts through an interface: selecting Entry fields needs what a Draft needs."
    feed: [Entry!]!
  }

  type Mutation {
    "Anyone: counts a like."
    like: Int!
    "Scope write:messages; also publishes to messageAdded."
    postMessage(text: String!): Message! @auth(scopes: ["write:messages"])
  }

  type Subscription {
    "Scope read:messages; ends with UNAUTHENTICATED when the token expires."
    messageAdded: Message! @auth(scopes: ["read:messages"])
    "Anyone: the server time every second."
    time: String!
  }

  type Me {
    sub: String!
    scopes: [String!]!
    permissions: [String!]!
  }

  type Message {
    id: ID!
    text: String!
    author: String!
  }

  type Report {
    messages: Int!
    likes: Int!
  }

  type User {
    id: ID!
    email: String!
  }

  interface Entry {
    id: ID!
    title: String!
  }

  type Post implements Entry {
    id: ID!
    title: String!
  }

  "Unpublished entries: every field needs read:drafts (a type-level @auth)."
  type Draft implements Entry @auth(scopes: ["read:drafts"]) {
    id: ID!
    title: String!
    notes: String
  }
`;

/** Claims of the demo's tokens: `basic` has no scopes, `reader` may do everything. */
export const exampleTokenClaims = {
  basic: {},
  reader: {
    scope: "read:messages write:messages read:reports read:drafts",
    permissions: ["read:users"],
  },
} as const;

interface Message {
  id: string;
  text: string;
  author: string;
}
type Context = { auth: AuthState<AccessTokenClaims> };

const list = (value: string | string[] | undefined): string[] =>
  Array.isArray(value) ? value : (value ?? "").split(" ").filter(Boolean);

/** Builds a fresh schema with its own in-memory data (one per server). */
export function createExampleSchema() {
  const messages: Message[] = [
    { id: "1", text: "Welcome to scopegate", author: "auth0|demo" },
    { id: "2", text: "Tokens are verified once per request", author: "auth0|demo" },
  ];
  let likes = 0;
  const pubsub = createPubSub<{ messageAdded: [Message] }>();

  const schema = createSchema<Context>({
    typeDefs: [authDirectiveTypeDefs, typeDefs],
    resolvers: {
      Query: {
        hello: () => "Hello from a public field",
        me: async (_, __, { auth }) => {
          const claims = await auth.require();
          return {
            sub: claims.sub ?? "",
            scopes: [...list(claims.scope), ...list(claims.scp)],
            permissions: claims.permissions ?? [],
          };
        },
        messages: () => messages,
        report: () => ({ messages: messages.length, likes }),
        users: () => [{ id: "auth0|demo", email: "demo@example.com" }],
        posts: () => [{ id: "p1", title: "Hello, GraphQL" }],
        feed: () => [
          { __typename: "Post", id: "p1", title: "Hello, GraphQL" },
          { __typename: "Draft", id: "d1", title: "Next post", notes: "not yet" },
        ],
      },
      Mutation: {
        like: () => ++likes,
        postMessage: async (_, { text }: { text: string }, { auth }) => {
          const claims = await auth.require();
          const message = { id: String(messages.length + 1), text, author: claims.sub ?? "" };
          messages.push(message);
          pubsub.publish("messageAdded", message);
          return message;
        },
      },
      Subscription: {
        messageAdded: {
          subscribe: () => pubsub.subscribe("messageAdded"),
          resolve: (message: Message) => message,
        },
        time: {
          subscribe: async function* () {
            for (;;) {
              yield new Date().toISOString();
              await new Promise((r) => setTimeout(r, 1_000));
            }
          },
          resolve: (time: string) => time,
        },
      },
      Entry: { __resolveType: (entry: { __typename: string }) => entry.__typename },
    },
  });
  return authDirective(schema);
}
