/**
 * requirePolicy at its edges (mutation testing, issue 18): the name is checked when the
 * middleware is made, an unknown name says what is declared, and without `.input()` the
 * policy sees the raw input as sent. Through a tRPC caller (no server needed).
 */
import { initTRPC } from "@trpc/server";
import { createAuth } from "scopegate";
import { createTestIssuer, type TestIssuer } from "scopegate/testing";
import { requireAuth, requirePolicy } from "scopegate/trpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { configRefusal } from "../support/config-refusal.js";

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer();
});
afterAll(() => issuer.close());

describe("requirePolicy: edges", () => {
  it("a missing or empty name is a ConfigurationError when the middleware is made", () => {
    for (const name of ["", undefined, 42]) {
      expect(configRefusal(() => requirePolicy(name as unknown as string)).message).toBe(
        'scopegate: requirePolicy: give a policy name, e.g. requirePolicy("isOwner")',
      );
    }
  });

  it("an unknown name says what is declared, or where to declare one", () => {
    expect(
      configRefusal(() => requirePolicy("isOwner", { auth: { policyNames: [] } })).message,
    ).toBe(
      'scopegate: requirePolicy: unknown policy "isOwner"; declare it in createAuth({ policies: { … } })',
    );
    expect(
      configRefusal(() => requirePolicy("x", { auth: { policyNames: ["a", "b"] } })).message,
    ).toBe('scopegate: requirePolicy: unknown policy "x"; declared: a, b');
  });

  it("after .input(schema) the policy is given the parsed input; without, the raw input as sent", async () => {
    const seen: unknown[] = [];
    const auth = createAuth({
      issuer: issuer.url,
      audience: issuer.audience,
      policies: {
        look: ({ input }) => {
          seen.push(input);
          return (input as { ok?: boolean } | undefined)?.ok === true;
        },
      },
    });
    const t = initTRPC.context<typeof auth.createAuthContext>().create();
    const router = t.router({
      raw: t.procedure
        .use(requireAuth())
        .use(requirePolicy("look", { auth }))
        .query(() => "allowed"),
      parsed: t.procedure
        .use(requireAuth())
        .input(z.object({ ok: z.string().transform((v) => v === "yes") }))
        .use(requirePolicy("look", { auth }))
        .query(() => "allowed"),
    });
    const token = await issuer.sign({});
    const ctx = auth.createAuthContext({ headers: { authorization: `Bearer ${token}` } });
    const caller = t.createCallerFactory(router)(ctx);
    await expect(caller.raw({ ok: true } as never)).resolves.toBe("allowed");
    expect(seen).toEqual([{ ok: true }]);
    await expect(caller.raw({ ok: false } as never)).rejects.toMatchObject({ code: "FORBIDDEN" });
    seen.length = 0;
    // A new request: each (policy, input) is evaluated once per request.
    const next = t.createCallerFactory(router)(
      auth.createAuthContext({ headers: { authorization: `Bearer ${token}` } }),
    );
    await expect(next.parsed({ ok: "yes" })).resolves.toBe("allowed");
    expect(seen).toEqual([{ ok: true }]);
  });
});
