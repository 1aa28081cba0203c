/** untilTokenExpires() driven directly, with real contexts from createAuthContext. */
import { TRPCError } from "@trpc/server";
import { createAuth } from "scopegate";
import type { TestIssuer } from "scopegate/testing";
import { untilTokenExpires } from "scopegate/trpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApi, startIssuer } from "./support/api.js";
import { bearer, client } from "./support/client.js";
import { type RunningServer, startServer } from "./support/servers.js";

let issuer: TestIssuer;
let server: RunningServer;

beforeAll(async () => {
  issuer = await startIssuer();
  const api = buildApi(issuer);
  server = await startServer("standalone", api.router, api.auth);
});
afterAll(async () => {
  await server?.close();
  await issuer?.close();
});

async function contextFor(token: string) {
  const auth = createAuth({ issuer: issuer.url, audience: issuer.audience });
  return auth.createAuthContext({ headers: { authorization: bearer(token) } });
}

async function* counter(signal?: AbortSignal) {
  for (let i = 0; !signal?.aborted; i++) {
    yield i;
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function* silent(): AsyncGenerator<number> {
  await new Promise(() => {});
  yield 0;
}

async function take<T>(iterable: AsyncIterable<T>, n: number): Promise<T[]> {
  const out: T[] = [];
  for await (const v of iterable) {
    out.push(v);
    if (out.length === n) break;
  }
  return out;
}

describe("untilTokenExpires", () => {
  it("rejects with UNAUTHORIZED before reading the source when there is no valid token", async () => {
    let started = false;
    async function* source() {
      started = true;
      yield 1;
    }
    const ctx = await contextFor("not-a-jwt");
    const error = await take(untilTokenExpires(ctx, source()), 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCError);
    expect(error).toMatchObject({ code: "UNAUTHORIZED", cause: { code: "invalid_token" } });
    expect(started).toBe(false);
  });

  it("does not end a token living longer than setTimeout's limit (24.8 days) at once", async () => {
    const ctx = await contextFor(await issuer.sign({}, { expiresIn: 30 * 86_400 }));
    await expect(take(untilTokenExpires(ctx, counter()), 10)).resolves.toHaveLength(10);
  });

  it("ends at once when the signal aborts, even if the source never yields", async () => {
    const ctx = await contextFor(await issuer.sign({}));
    const controller = new AbortController();
    const reading = take(untilTokenExpires(ctx, silent(), controller.signal), 1);
    setTimeout(() => controller.abort(), 50);
    await expect(reading).resolves.toEqual([]);
  });

  it("ends a source that never yields when the token expires", async () => {
    const ctx = await contextFor(await issuer.sign({}, { expiresIn: 1 }));
    await expect(take(untilTokenExpires(ctx, silent()), 1)).rejects.toMatchObject({
      code: "UNAUTHORIZED",
      cause: { reason: "token_expired" },
    });
  });
});

describe("the middleware and the core's clock tolerance", () => {
  it("accept a token the core accepts within its clockTolerance (exp 2 s ago)", async () => {
    const token = await issuer.sign({ sub: "auth0|late" }, { expiresIn: -2 });
    await expect(client(server.url, bearer(token)).me.query()).resolves.toBe("auth0|late");
  });
});
