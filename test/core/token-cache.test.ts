import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type AuthOptions, createAuth } from "../../src/index.js";
import { createTestIssuer, type TestIssuer } from "../../src/testing/index.js";

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer({ cacheControl: "max-age=0" });
});
afterAll(() => issuer.close());

const make = (cache: AuthOptions["cache"] = {}) =>
  createAuth({ issuer: issuer.url, audience: issuer.audience, cache });

describe("verified-token cache", () => {
  it("a cached token is still checked for scopes on every request", async () => {
    const auth = make();
    const token = await issuer.sign({ scope: "read" });
    const ctx = () =>
      auth.createAuthContext({ headers: { authorization: `Bearer ${token}` } }).auth;
    await ctx().require();
    await expect(ctx().requireScopes("read")).resolves.toBeTruthy();
    await expect(ctx().requireScopes("write")).rejects.toMatchObject({ status: 403 });
  });

  it("an entry dies at exp (with clockTolerance)", async () => {
    // Only Date is faked (timers and sockets stay real), so the cache sees the same clock
    // as jose and the test does not depend on how fast this machine fetches keys.
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      const t0 = Date.now();
      const auth = make();
      const token = await issuer.sign({}, { expiresIn: 10 });
      await auth.verify(token);
      await expect(auth.verify(token)).resolves.toBeTruthy();
      vi.setSystemTime(t0 + 12_000);
      // Past exp but within the 5 s tolerance: served from cache or verified again, it passes.
      await expect(auth.verify(token)).resolves.toBeTruthy();
      vi.setSystemTime(t0 + 16_000);
      await expect(auth.verify(token)).rejects.toMatchObject({
        status: 401,
        reason: "token_expired",
      });
      vi.setSystemTime(t0);
      const strict = createAuth({
        issuer: issuer.url,
        audience: issuer.audience,
        clockTolerance: 0,
      });
      const short = await issuer.sign({}, { expiresIn: 10 });
      await strict.verify(short);
      vi.setSystemTime(t0 + 10_001);
      await expect(strict.verify(short)).rejects.toMatchObject({
        status: 401,
        reason: "token_expired",
      });
    } finally {
      vi.useRealTimers();
    }
  });

  it("an entry is not used before nbf", async () => {
    const auth = createAuth({ issuer: issuer.url, audience: issuer.audience, clockTolerance: 0 });
    const token = await issuer.sign({}, { notBefore: 2 });
    await expect(auth.verify(token)).rejects.toMatchObject({ reason: "token_not_yet_valid" });
  });

  it("an entry dies when its key leaves the issuer's JWKS", async () => {
    const auth = make({ minAge: 0, maxAge: 0.05, retryAfter: 0.01 });
    const token = await issuer.sign();
    await auth.verify(token);
    await issuer.rotateKeys();
    await sleep(80);
    await auth.verify(token).catch(() => {}); // stale keys: background revalidation starts
    await sleep(100);
    await expect(auth.verify(token)).rejects.toMatchObject({ status: 401 });
    await expect(auth.verify(await issuer.sign())).resolves.toBeTruthy();
  });

  it("cache.tokens: false turns it off; maxAge bounds reuse", async () => {
    const off = make({ tokens: false });
    const token = await issuer.sign();
    await off.verify(token);
    await issuer.rotateKeys({ keepPrevious: true });
    await expect(off.verify(token)).resolves.toBeTruthy();
    const bounded = make({ tokens: { max: 1, maxAge: 0 } });
    await bounded.verify(token);
    await expect(bounded.verify(token)).resolves.toBeTruthy();
  });

  it("a forged token reusing a cached token's signature is verified, never served from cache", async () => {
    const auth = make();
    const token = await issuer.sign({ scope: "read" });
    await auth.verify(token);
    const [h, p, sig] = token.split(".") as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, "base64url").toString()) as Record<string, unknown>;
    const forgedPayload = Buffer.from(JSON.stringify({ ...payload, scope: "admin" })).toString(
      "base64url",
    );
    const forged = `${h}.${forgedPayload}.${sig}`;
    expect(forged.slice(-32)).toBe(token.slice(-32));
    await expect(auth.verify(forged)).rejects.toMatchObject({
      status: 401,
      reason: "invalid_signature",
    });
    await expect(auth.verify(token)).resolves.toMatchObject({ scope: "read" });
  });

  it("only successes are cached", async () => {
    const auth = make();
    const bad = await issuer.sign({ aud: "other" });
    await expect(auth.verify(bad)).rejects.toMatchObject({ reason: "audience_mismatch" });
    await expect(auth.verify(bad)).rejects.toMatchObject({ reason: "audience_mismatch" });
  });
});
