/**
 * A transformed schema (authDirective) executed without the useAuth plugin — graphql-js'
 * own `subscribe()`, as graphql-ws does — with a controlled clock (only `Date` is faked; the
 * event source's timers stay real): every event of a protected subscription is checked
 * against the token's `exp`, so an event produced at or after `exp` is denied even before the
 * end-of-stream timer fires. Removing that per-event check survived the suite (issue 18).
 * Each event is judged once: two checks with two clock readings (the stream's and a nested
 * field's) once gave a client two expiry errors under load (test/graphql/websocket.test.ts).
 */
import { type ExecutionResult, parse, subscribe } from "graphql";
import { createSchema, createYoga } from "graphql-yoga";
import { authDirective, authDirectiveTypeDefs, useAuth } from "scopegate/graphql";
import { createTestIssuer, type TestIssuer } from "scopegate/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { controlledDate, until } from "../support/clock.js";
import { active, authFor, buildSchema } from "./fixtures.js";

let issuer: TestIssuer;
let auth: ReturnType<typeof authFor>;
const schema = buildSchema();
beforeAll(async () => {
  issuer = await createTestIssuer();
  auth = authFor(issuer);
});
afterAll(() => issuer.close());

const contextFor = (token: string) =>
  auth.createAuthContext({ headers: { authorization: `Bearer ${token}` } });
const expOf = (token: string) =>
  JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()).exp as number;

describe("transformed schema, no plugin: subscription events after exp", () => {
  it("an event 1 ms before exp is delivered; the next one, at exp, is denied with the expiry error", async ({
    onTestFinished,
  }) => {
    const clock = controlledDate(onTestFinished);
    const token = await issuer.sign({ sub: "subscriber" }, { expiresIn: 60 });
    const exp = expOf(token) * 1000;
    const before = active.ticks;
    const result = await subscribe({
      schema,
      document: parse("subscription { ticks(every: 20) }"),
      contextValue: contextFor(token),
    });
    expect(Symbol.asyncIterator in result).toBe(true);
    const events = result as AsyncIterableIterator<ExecutionResult>;
    try {
      clock.set(exp - 1);
      expect((await events.next()).value).toEqual({ data: { ticks: 0 } });
      clock.set(exp); // the end-of-stream timer (real, 60 s) has not fired
      const late = (await events.next()).value as ExecutionResult;
      expect(late.data?.ticks ?? null).toBeNull();
      expect(late.errors).toHaveLength(1);
      expect(late.errors?.[0]?.message).toBe("access token expired");
      expect(late.errors?.[0]?.extensions).toMatchObject({
        code: "UNAUTHENTICATED",
        error: "invalid_token",
        error_description: "access token expired",
      });
    } finally {
      await events.return?.();
    }
    await until(() => active.ticks === before); // the source was closed
  });

  it("a subscription whose token is already past exp (within the clock tolerance) is refused at subscribe", async ({
    onTestFinished,
  }) => {
    const clock = controlledDate(onTestFinished);
    const token = await issuer.sign({}, { expiresIn: 60 });
    clock.set(expOf(token) * 1000 + 2_000); // verification still passes (5 s tolerance)
    await expect(contextFor(token).auth.require()).resolves.toMatchObject({});
    const result = await subscribe({
      schema,
      document: parse("subscription { ticks(every: 20) }"),
      contextValue: contextFor(token),
    });
    expect(Symbol.asyncIterator in result).toBe(false);
    expect((result as ExecutionResult).errors?.[0]?.extensions).toMatchObject({
      code: "UNAUTHENTICATED",
      error: "invalid_token",
    });
  });
});

/**
 * Events whose resolvers run slowly: the root field's resolver waits for `release()`, so a
 * test can move the clock past `exp` between the moment the source produced an event and the
 * moment its (nested, protected) fields are resolved.
 */
function slowSchema({ slow = true } = {}) {
  let release: () => void = () => {};
  const gates: Promise<void>[] = [];
  const next = () =>
    new Promise<void>((resolve) => {
      release = resolve;
    });
  const schema = authDirective(
    createSchema({
      typeDefs: [
        authDirectiveTypeDefs,
        /* GraphQL */ `
          type Tick { n: Int!, secret: String @auth }
          type Query { ok: Boolean }
          type Subscription { guarded: Tick @auth, open: Tick }
        `,
      ],
      resolvers: {
        Subscription: {
          guarded: {
            subscribe: () => source(),
            resolve: async (n: number) => {
              if (slow) {
                gates.push(next());
                await gates.at(-1);
              }
              return { n };
            },
          },
          open: { subscribe: () => source(), resolve: (n: number) => ({ n }) },
        },
        Tick: { secret: (t: { n: number }) => `s${t.n}` },
      },
    }),
  );
  async function* source() {
    for (let n = 0; n < 100; n++) {
      yield n;
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  return { schema, release: () => release(), gate: () => gates.at(-1) };
}

/** A token valid for 60 s and its `exp` in milliseconds. */
async function token60() {
  const token = await issuer.sign({}, { expiresIn: 60 });
  return { token, exp: expOf(token) * 1000 };
}

/** graphql-js' own `subscribe()` of `query` on a transformed schema, as an iterator. */
const open = async (
  schema: ReturnType<typeof slowSchema>["schema"],
  query: string,
  contextValue: unknown,
) =>
  (await subscribe({
    schema,
    document: parse(query),
    contextValue,
  })) as AsyncIterableIterator<ExecutionResult>;

describe("transformed schema, no plugin: one decision per event", () => {
  it("an event produced before exp whose protected fields resolve after it is delivered; the stream then ends with exactly one expiry error", async ({
    onTestFinished,
  }) => {
    const clock = controlledDate(onTestFinished);
    const { token, exp } = await token60();
    const { schema: slow, release, gate } = slowSchema();
    clock.set(exp - 1);
    const events = await open(slow, "subscription { guarded { n secret } }", contextFor(token));
    try {
      const first = events.next(); // the source produced event 0 before exp
      await until(() => gate() !== undefined);
      clock.set(exp); // ...and its fields are resolved at exp
      release();
      expect((await first).value).toEqual({ data: { guarded: { n: 0, secret: "s0" } } });
      const late = (await events.next()).value as ExecutionResult;
      expect(late.data?.guarded ?? null).toBeNull();
      expect(late.errors?.map((e) => e.message)).toEqual(["access token expired"]);
      expect((await events.next()).done).toBe(true);
    } finally {
      await events.return?.();
    }
  });

  it("an unprotected root whose events carry a protected field: that field is denied in every event after exp (no stream wrapper ends it)", async ({
    onTestFinished,
  }) => {
    const clock = controlledDate(onTestFinished);
    const { token, exp } = await token60();
    const { schema: slow } = slowSchema();
    const events = await open(slow, "subscription { open { n secret } }", contextFor(token));
    try {
      clock.set(exp - 1);
      expect((await events.next()).value).toEqual({ data: { open: { n: 0, secret: "s0" } } });
      clock.set(exp);
      for (const n of [1, 2]) {
        const late = (await events.next()).value as ExecutionResult;
        expect(late.data).toEqual({ open: { n, secret: null } });
        expect(late.errors?.map((e) => [e.message, e.path?.join(".")])).toEqual([
          ["access token expired", "open.secret"],
        ]);
      }
    } finally {
      await events.return?.();
    }
  });

  it("a context shared by a protected and an unprotected subscription: the unprotected one keeps its per-event check", async ({
    onTestFinished,
  }) => {
    const clock = controlledDate(onTestFinished);
    const { token, exp } = await token60();
    const { schema: fast } = slowSchema({ slow: false });
    const contextValue = contextFor(token); // one context for both, as a per-connection one is
    clock.set(exp - 60_000);
    const guarded = await open(fast, "subscription { guarded { n } }", contextValue);
    const unprotected = await open(fast, "subscription { open { n secret } }", contextValue);
    try {
      expect((await guarded.next()).value).toEqual({ data: { guarded: { n: 0 } } });
      expect((await unprotected.next()).value).toEqual({
        data: { open: { n: 0, secret: "s0" } },
      });
      clock.set(exp);
      const late = (await unprotected.next()).value as ExecutionResult;
      expect(late.data).toEqual({ open: { n: 1, secret: null } });
      expect(late.errors?.map((e) => e.message)).toEqual(["access token expired"]);
    } finally {
      await guarded.return?.();
      await unprotected.return?.();
    }
  });

  it("with useAuth, a result produced at or after exp is not delivered: one expiry error, then complete", async ({
    onTestFinished,
  }) => {
    const clock = controlledDate(onTestFinished);
    const { token, exp } = await token60();
    const { schema: fast } = slowSchema({ slow: false });
    const yoga = createYoga({ schema: fast, plugins: [useAuth(auth)] });
    const request = new Request("http://127.0.0.1/graphql", {
      headers: { authorization: `Bearer ${token}` },
    });
    const env = yoga.getEnveloped({ request });
    clock.set(exp - 60_000); // the end-of-stream timer is armed for 60 s of real time
    const result = await env.subscribe({
      schema: env.schema,
      document: env.parse("subscription { guarded { n secret } }"),
      contextValue: await env.contextFactory(),
    });
    expect(Symbol.asyncIterator in result).toBe(true);
    const events = result as AsyncIterableIterator<ExecutionResult>;
    try {
      expect((await events.next()).value).toEqual({ data: { guarded: { n: 0, secret: "s0" } } });
      clock.set(exp); // the end-of-stream timer (real, 60 s) has not fired
      const late = (await events.next()).value as ExecutionResult;
      expect(late.data ?? null).toBeNull();
      expect(late.errors?.map((e) => e.message)).toEqual(["access token expired"]);
      expect((await events.next()).done).toBe(true);
    } finally {
      await events.return?.();
    }
  });
});
