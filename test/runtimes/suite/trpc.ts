/** The shared suite's tRPC cases: `requireScopes` through the fetch adapter, 200 / 401 / 403. */
import { type Case, eq } from "../cases.js";
import {
  bearer,
  challenge,
  expectResponse,
  type GetFixture,
  MISSING_READ_MESSAGES,
} from "./fixture.js";
import { ORIGIN } from "./tokens.js";

export function trpcCases(f: GetFixture): Case[] {
  const messages = `${ORIGIN}/trpc/messages`;
  return [
    [
      "tRPC fetch adapter: requireScopes with the scope -> 200",
      async () => {
        const { trpc, reader } = await f();
        const body = await expectResponse(
          await trpc(new Request(messages, { headers: bearer(reader) })),
          200,
          null,
        );
        eq(body.result, { data: { owner: "reader", messages: ["hello"] } }, "result");
      },
    ],
    [
      "tRPC fetch adapter: no token -> 401 with the challenge",
      async () => {
        const { trpc } = await f();
        const body = await expectResponse(await trpc(new Request(messages)), 401, challenge());
        eq(
          (body.error as { data?: { code?: string } }).data?.code,
          "UNAUTHORIZED",
          "error.data.code",
        );
      },
    ],
    [
      "tRPC fetch adapter: token without the scope -> 403 with scope=",
      async () => {
        const { trpc, basic } = await f();
        const body = await expectResponse(
          await trpc(new Request(messages, { headers: bearer(basic) })),
          403,
          MISSING_READ_MESSAGES,
        );
        eq(
          (body.error as { data?: { auth?: unknown } }).data?.auth,
          {
            error: "insufficient_scope",
            error_description: "missing required scopes: read:messages",
          },
          "error.data.auth",
        );
      },
    ],
  ];
}
