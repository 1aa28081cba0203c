/**
 * DPoP server nonces over time (RFC 9449 §8–9), with a controlled clock (only `Date` is faked):
 * a nonce is accepted in its rotation period and the next one, refused from two periods on,
 * and a nonce of a period not reached yet is refused. Rotation and staleness were untested
 * (a provider accepting a nonce two periods old survived the suite; issue 18).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AuthError, createAuth, createNonceProvider } from "../../src/index.js";
import { createTestIssuer, type DpopKeyPair, type TestIssuer } from "../../src/testing/index.js";
import { controlledDate } from "../support/clock.js";

const ROTATION = 60; // seconds
/** The start of a rotation period (periods are floor(Date.now() / rotation)). */
const P0 = (Math.floor(Date.now() / (ROTATION * 1000)) + 1) * ROTATION * 1000;
const SECRET = "0123456789abcdef0123456789abcdef";

describe("createNonceProvider: rotation and staleness", () => {
  it("a nonce one period old is accepted, two periods old is refused (to the millisecond)", async ({
    onTestFinished,
  }) => {
    const clock = controlledDate(onTestFinished, P0 + 1_000);
    const provider = createNonceProvider({ secret: SECRET, rotation: ROTATION });
    const nonce = await provider.current();
    expect(await provider.isValid(nonce)).toBe(true);
    clock.set(P0 + ROTATION * 1000 - 1); // last ms of its own period
    expect(await provider.isValid(nonce)).toBe(true);
    expect(await provider.current()).toBe(nonce);
    clock.set(P0 + ROTATION * 1000); // one period old
    expect(await provider.isValid(nonce)).toBe(true);
    const next = await provider.current();
    expect(next).not.toBe(nonce); // rotated
    clock.set(P0 + 2 * ROTATION * 1000 - 1); // still one period old
    expect(await provider.isValid(nonce)).toBe(true);
    clock.set(P0 + 2 * ROTATION * 1000); // two periods old
    expect(await provider.isValid(nonce)).toBe(false);
    expect(await provider.isValid(next)).toBe(true);
    clock.set(P0 + 10 * ROTATION * 1000);
    expect(await provider.isValid(nonce)).toBe(false);
  });

  it("a nonce of a period not reached yet is refused; so is one from another secret", async ({
    onTestFinished,
  }) => {
    const clock = controlledDate(onTestFinished, P0 + ROTATION * 1000);
    const provider = createNonceProvider({ secret: SECRET, rotation: ROTATION });
    const ahead = await provider.current();
    clock.set(P0 + ROTATION * 1000 - 1);
    expect(await provider.isValid(ahead)).toBe(false);
    const other = createNonceProvider({ secret: `${SECRET}-other`, rotation: ROTATION });
    expect(await other.isValid(await provider.current())).toBe(false);
    expect(await provider.isValid("")).toBe(false);
    expect(await provider.isValid(`${await provider.current()}A`)).toBe(false);
  });

  it("the default rotation is 300 s", async ({ onTestFinished }) => {
    const start = Math.floor(Date.now() / 300_000 + 1) * 300_000;
    const clock = controlledDate(onTestFinished, start);
    const provider = createNonceProvider({ secret: SECRET });
    const nonce = await provider.current();
    clock.set(start + 300_000 - 1);
    expect(await provider.current()).toBe(nonce);
    clock.set(start + 300_000);
    expect(await provider.current()).not.toBe(nonce);
    clock.set(start + 600_000 - 1);
    expect(await provider.isValid(nonce)).toBe(true);
    clock.set(start + 600_000);
    expect(await provider.isValid(nonce)).toBe(false);
  });
});

describe("DPoP nonces through createAuth (dpop.nonce: { secret, rotation })", () => {
  let issuer: TestIssuer;
  let key: DpopKeyPair;
  beforeAll(async () => {
    issuer = await createTestIssuer();
    key = await issuer.dpopKey();
  });
  afterAll(() => issuer.close());
  const URL_ = "https://api.example.com/things";

  it("a proof with a nonce one period old passes; two periods old → 401 use_dpop_nonce with a fresh nonce", async ({
    onTestFinished,
  }) => {
    const clock = controlledDate(onTestFinished, P0 + 1_000);
    const auth = createAuth({
      issuer: issuer.url,
      audience: issuer.audience,
      dpop: { nonce: { secret: SECRET, rotation: ROTATION } },
    });
    const token = await issuer.sign(
      { sub: "holder" },
      { dpopJkt: key.thumbprint, expiresIn: 3600 },
    );
    const call = async (nonce?: string) =>
      auth
        .verify(token, {
          method: "GET",
          url: URL_,
          dpop: await issuer.dpopProof({
            key,
            method: "GET",
            url: URL_,
            accessToken: token,
            nonce,
          }),
        })
        .then(
          (claims) => ({ ok: true as const, sub: claims.sub }),
          (e: AuthError) => ({ ok: false as const, e }),
        );
    const first = await call();
    expect(first.ok).toBe(false);
    const nonce = (first as { e: AuthError }).e.headers["DPoP-Nonce"] as string;
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{30}$/);
    expect(await call(nonce)).toEqual({ ok: true, sub: "holder" });
    clock.set(P0 + 2 * ROTATION * 1000 - 1); // one period old
    expect(await call(nonce)).toEqual({ ok: true, sub: "holder" });
    clock.set(P0 + 2 * ROTATION * 1000); // two periods old
    const stale = await call(nonce);
    expect(stale.ok).toBe(false);
    const e = (stale as { e: AuthError }).e;
    expect(e).toMatchObject({
      status: 401,
      code: "use_dpop_nonce",
      description: "DPoP nonce is stale",
    });
    const fresh = e.headers["DPoP-Nonce"] as string;
    expect(fresh).not.toBe(nonce);
    expect(await call(fresh)).toEqual({ ok: true, sub: "holder" });
  });
});
