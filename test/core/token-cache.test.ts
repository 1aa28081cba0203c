import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type AuthOptions, createAuth } from "../../src/index.js";
import { createTestIssuer, type TestIssuer } from "../../src/testing/index.js";
import { controlledDate, until } from "../support/clock.js";

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
    await expect(ctx().requireScopes("read")).resolves.toMatchObject({ scope: "read" });
    await expect(ctx().requireScopes("write")).rejects.toMatchObject({ status: 403 });
    expect(auth.stats.signatureChecks).toBe(1); // the later requests were cache hits
  });

  it("an entry dies at exp (with clockTolerance)", async () => {
    // Only Date is faked (timers and sockets stay real), so the cache sees the same clock
    // as jose and the test does not depend on how fast this machine fetches keys.
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      const t0 = Date.now();
      const auth = make();
      const token = await issuer.sign({ sub: "short" }, { expiresIn: 10 });
      await auth.verify(token);
      await expect(auth.verify(token)).resolves.toMatchObject({ sub: "short" });
      expect(auth.stats.signatureChecks).toBe(1);
      vi.setSystemTime(t0 + 12_000);
      // Past exp but within the 5 s tolerance: served from cache, it passes.
      await expect(auth.verify(token)).resolves.toMatchObject({ sub: "short" });
      expect(auth.stats.signatureChecks).toBe(1);
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

  it("an entry dies when its key leaves the issuer's JWKS", async ({ onTestFinished }) => {
    const clock = controlledDate(onTestFinished);
    const auth = make({ minAge: 0, maxAge: 0.05, retryAfter: 0.01 });
    const token = await issuer.sign();
    await auth.verify(token);
    await issuer.rotateKeys();
    clock.advance(80); // the keys are stale
    await auth.verify(token); // served from cache; a background revalidation starts
    // The revalidation has brought the rotated JWKS (a real event, not a sleep).
    await until(async () => {
      await auth.verify(token).catch(() => {});
      return auth.stats.jwksFetches === 2;
    });
    await until(
      async () =>
        (await auth.verify(token).then(
          () => "ok",
          () => "refused",
        )) === "refused",
    );
    await expect(auth.verify(token)).rejects.toMatchObject({ status: 401 });
    await expect(auth.verify(await issuer.sign({ sub: "new-key" }))).resolves.toMatchObject({
      sub: "new-key",
    });
  });

  it("cache.tokens: false turns it off: every verification checks the signature", async () => {
    const on = make();
    const off = make({ tokens: false });
    const token = await issuer.sign({ sub: "counted" });
    for (let i = 0; i < 3; i++) {
      await expect(on.verify(token)).resolves.toMatchObject({ sub: "counted" });
      await expect(off.verify(token)).resolves.toMatchObject({ sub: "counted" });
    }
    expect(on.stats.signatureChecks).toBe(1);
    expect(off.stats.signatureChecks).toBe(3);
    // Off, a key rotated away (kept in the JWKS) still verifies: nothing stale is served.
    await issuer.rotateKeys({ keepPrevious: true });
    await expect(off.verify(token)).resolves.toMatchObject({ sub: "counted" });
    expect(off.stats.signatureChecks).toBe(4);
  });

  it("cache.tokens.maxAge bounds reuse: reused until maxAge after caching, verified again at it", async ({
    onTestFinished,
  }) => {
    const clock = controlledDate(onTestFinished);
    const t0 = Date.now();
    const auth = make({ tokens: { max: 10, maxAge: 60 } });
    const token = await issuer.sign({ sub: "aged" }, { expiresIn: 3600 });
    await auth.verify(token);
    expect(auth.stats.signatureChecks).toBe(1);
    clock.set(t0 + 59_999);
    await expect(auth.verify(token)).resolves.toMatchObject({ sub: "aged" });
    expect(auth.stats.signatureChecks).toBe(1); // a hit
    clock.set(t0 + 60_000);
    await expect(auth.verify(token)).resolves.toMatchObject({ sub: "aged" });
    expect(auth.stats.signatureChecks).toBe(2); // maxAge reached: verified again
  });

  it("cache.tokens.max bounds the entries: the oldest is evicted and verified again", async () => {
    const auth = make({ tokens: { max: 1 } });
    const a = await issuer.sign({ sub: "a" });
    const b = await issuer.sign({ sub: "b" });
    await auth.verify(a);
    await auth.verify(a);
    expect(auth.stats.signatureChecks).toBe(1);
    await auth.verify(b); // evicts a
    await expect(auth.verify(a)).resolves.toMatchObject({ sub: "a" });
    expect(auth.stats.signatureChecks).toBe(3);
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
