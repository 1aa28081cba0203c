/**
 * The body every scopegate tRPC middleware shares, at its edges (mutation testing, issue 18):
 * a context that was not built by `createAuthContext` fails closed with the set-up hint (also
 * for `requirePolicy`, which reads `ctx.auth` first), only a
 * subscription's stream is cut at `exp` (a streamed query's iterable is passed on as it is),
 * and the comma hint never suggests an empty scope. Through a tRPC caller (no server needed).
 */
import { initTRPC, TRPCError } from "@trpc/server";
import { createAuth } from "scopegate";
import { createTestIssuer, type TestIssuer } from "scopegate/testing";
import { requireAuth, requirePolicy, requireScopes } from "scopegate/trpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configRefusal } from "../support/config-refusal.js";

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer();
});
afterAll(() => issuer.close());

const MISSING = "scopegate: ctx.auth is missing; use `createContext: auth.createAuthContext`";

describe("tRPC middleware: the context", () => {
  it("refuses with a 500 and the set-up hint when ctx.auth is absent or not an AuthState", async () => {
    const t = initTRPC.context<{ auth?: unknown }>().create();
    const router = t.router({
      secret: t.procedure.use(requireAuth() as never).query(() => "data"),
      // requirePolicy made without `{ auth }` looks its name up on ctx.auth at the first request.
      owned: t.procedure.use(requirePolicy("isOwner") as never).query(() => "data"),
    });
    const factory = t.createCallerFactory(router);
    // An app's own `auth` object (truthy, no `require`) must not be taken for ours.
    const contexts = [undefined, null, {}, { require: "yes", policy: "no" }, { claims: {} }];
    for (const [auth, path] of contexts.flatMap(
      (a) =>
        [
          [a, "secret"],
          [a, "owned"],
        ] as const,
    )) {
      const error = await factory({ auth })
        [path]()
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(TRPCError);
      expect(error).toMatchObject({ code: "INTERNAL_SERVER_ERROR", message: MISSING });
    }
  });
});

describe("tRPC middleware: streams", () => {
  it("passes a query's async iterable on untouched; a subscription's is guarded until exp", async () => {
    const auth = createAuth({ issuer: issuer.url, audience: issuer.audience });
    const t = initTRPC.context<typeof auth.createAuthContext>().create();
    async function* numbers() {
      yield 1;
      yield 2;
    }
    const streamed = numbers();
    const guardedSource = numbers();
    const router = t.router({
      stream: t.procedure.use(requireAuth()).query(() => streamed),
      live: t.procedure.use(requireAuth()).subscription(() => guardedSource),
    });
    const token = await issuer.sign({}, { expiresIn: 3600 });
    const caller = t.createCallerFactory(router)(
      auth.createAuthContext({ headers: { authorization: `Bearer ${token}` } }),
    );
    expect(await caller.stream()).toBe(streamed);
    const live = (await caller.live()) as AsyncIterable<number>;
    expect(live).not.toBe(guardedSource);
    const seen: number[] = [];
    for await (const n of live) seen.push(n);
    expect(seen).toEqual([1, 2]);
  });
});

describe("tRPC middleware: scope lists", () => {
  it("the comma hint lists only the non-empty scopes", () => {
    expect(configRefusal(() => requireScopes("a,,b,")).message).toBe(
      'scopegate: requireScopes: "a,,b," has a comma: scopes are separated by spaces (RFC 6749 §3.3); write requireScopes("a", "b")',
    );
  });

  it("any run of whitespace separates scopes, and repeats count once", async () => {
    const auth = createAuth({ issuer: issuer.url, audience: issuer.audience });
    const t = initTRPC.context<typeof auth.createAuthContext>().create();
    const router = t.router({
      both: t.procedure.use(requireScopes("a  \t b", ["a"])).query(() => "ok"),
    });
    const call = async (scope: string) =>
      t
        .createCallerFactory(router)(
          auth.createAuthContext({
            headers: { authorization: `Bearer ${await issuer.sign({ scope })}` },
          }),
        )
        .both()
        .then(
          (v) => v,
          (e: { cause?: { scope?: readonly string[] } }) => e.cause?.scope,
        );
    await expect(call("a b")).resolves.toBe("ok");
    await expect(call("a")).resolves.toEqual(["a", "b"]);
  });
});
