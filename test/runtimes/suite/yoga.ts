/** The shared suite's graphql-yoga cases: a public field, `@auth` and `@auth(scopes)`. */
import { type Case, eq } from "../cases.js";
import {
  bearer,
  challenge,
  expectResponse,
  type GetFixture,
  MISSING_READ_MESSAGES,
} from "./fixture.js";

type GraphqlErrors = Array<{ path?: unknown; extensions?: { code?: string } }>;

export function yogaCases(f: GetFixture): Case[] {
  return [
    [
      "graphql-yoga: public field without a token -> 200",
      async () => {
        const { graphql } = await f();
        const body = await expectResponse(await graphql("{ hello }"), 200, null);
        eq(body, { data: { hello: "hello" } }, "body");
      },
    ],
    [
      "graphql-yoga: @auth fields with the scope -> 200",
      async () => {
        const { graphql, reader } = await f();
        const body = await expectResponse(
          await graphql("{ me messages }", bearer(reader)),
          200,
          null,
        );
        eq(body, { data: { me: "reader", messages: ["hello"] } }, "body");
      },
    ],
    [
      "graphql-yoga: @auth field without a token -> 401 UNAUTHENTICATED, no data",
      async () => {
        const { graphql } = await f();
        const body = await expectResponse(await graphql("{ hello me }"), 401, challenge());
        const errors = body.errors as GraphqlErrors;
        eq(
          ["data" in body, errors[0]?.extensions?.code, errors[0]?.path],
          [false, "UNAUTHENTICATED", ["me"]],
          "body",
        );
      },
    ],
    [
      "graphql-yoga: @auth(scopes) without the scope -> 403 FORBIDDEN with scope=",
      async () => {
        const { graphql, basic } = await f();
        const body = await expectResponse(
          await graphql("{ me messages }", bearer(basic)),
          403,
          MISSING_READ_MESSAGES,
        );
        const errors = body.errors as GraphqlErrors;
        eq(
          ["data" in body, errors.length, errors[0]?.extensions?.code, errors[0]?.path],
          [false, 1, "FORBIDDEN", ["messages"]],
          "body",
        );
      },
    ],
  ];
}
