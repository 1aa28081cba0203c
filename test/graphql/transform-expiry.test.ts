/**
 * A transformed schema (authDirective) executed without the useAuth plugin — graphql-js'
 * own `subscribe()`, as graphql-ws does — with a controlled clock (only `Date` is faked; the
 * event source's timers stay real): every event of a protected subscription is checked
 * against the token's `exp`, so an event produced at or after `exp` is denied even before the
 * end-of-stream timer fires. Removing that per-event check survived the suite (issue 18).
 */
import { type ExecutionResult, parse, subscribe } from "graphql";
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
