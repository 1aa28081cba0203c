import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AuthResultEvent, createAuth } from "../../src/index.js";
import { createTestIssuer, type TestIssuer } from "../../src/testing/index.js";

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer();
});
afterAll(() => issuer.close());

describe("onAuthResult", () => {
  it("reports each outcome once, with reason codes and never the token", async () => {
    const events: AuthResultEvent[] = [];
    const auth = createAuth({
      issuer: issuer.url,
      audience: issuer.audience,
      onAuthResult: (e) => events.push(e),
    });
    const token = await issuer.sign({ scope: "read", sub: "user-1" });
    const ok = auth.createAuthContext({ headers: { authorization: `Bearer ${token}` } }).auth;
    await ok.require();
    await ok.requireScopes("read");
    await expect(ok.requireScopes("write")).rejects.toMatchObject({ status: 403 });
    const expired = auth.createAuthContext({
      headers: { authorization: `Bearer ${await issuer.sign({}, { expiresIn: -60 })}` },
    }).auth;
    await expect(expired.require()).rejects.toMatchObject({ status: 401 });
    await expect(expired.require()).rejects.toMatchObject({ status: 401 });
    await auth.createAuthContext({ headers: {} }).auth.claims();
    expect(events).toEqual([
      { ok: true, scheme: "Bearer", issuer: issuer.url, subject: "user-1" },
      {
        ok: false,
        scheme: "Bearer",
        status: 403,
        code: "insufficient_scope",
        reason: "insufficient_scope",
      },
      { ok: false, scheme: "Bearer", status: 401, code: "invalid_token", reason: "token_expired" },
      { ok: false, scheme: null, status: 401, code: "unauthorized", reason: "missing_token" },
    ]);
    expect(JSON.stringify(events)).not.toContain(token.split(".")[1]);
  });

  it("a throwing hook does not change the outcome", async () => {
    const auth = createAuth({
      issuer: issuer.url,
      audience: issuer.audience,
      onAuthResult: () => {
        throw new Error("metrics down");
      },
    });
    await expect(auth.verify(await issuer.sign({ sub: "hooked" }))).resolves.toMatchObject({
      sub: "hooked",
    });
  });
});
