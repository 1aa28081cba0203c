/**
 * Checks at their exact boundary, one second either side, with a controlled clock (only `Date`
 * is faked, so the verifier and jose see the same time and the machine's speed does not
 * matter): `iss` equality, `exp` / `nbf` / `iat` against the clock tolerance, `maxTokenAge`.
 * Each of these kills a mutant the rest of the suite let through (issue 18).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AuthError, type AuthOptions, createAuth } from "../../src/index.js";
import { createTestIssuer, type TestIssuer } from "../../src/testing/index.js";
import { controlledDate } from "../support/clock.js";

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer();
});
afterAll(() => issuer.close());

/** A fresh Auth per check (no verified-token cache carried over), keys pinned by jwksUri. */
const authWith = (extra: Partial<AuthOptions> = {}) =>
  createAuth({
    issuer: issuer.url,
    audience: issuer.audience,
    jwksUri: issuer.jwksUri,
    ...extra,
  } as AuthOptions);

const outcome = (extra: Partial<AuthOptions>, token: string) =>
  authWith(extra)
    .verify(token)
    .then(
      (claims) => `ok:${String(claims.sub)}`,
      (e: AuthError) => `${e.status}/${e.reason}`,
    );

/** Whole seconds, so `now ± tolerance` lands exactly on a claim. */
const T0 = Math.floor(Date.now() / 1000) * 1000 + 1000;

describe("iss is compared for equality, never by prefix", () => {
  it("an iss extending the configured one (issuer + 'evil/'), keys pinned by jwksUri → 401", async () => {
    const extended = await issuer.sign({ iss: `${issuer.url}evil/`, sub: "attacker" });
    const other = await issuer.sign({ iss: issuer.url.slice(0, -1), sub: "trimmed" });
    const genuine = await issuer.sign({ sub: "genuine" });
    expect(await outcome({}, genuine)).toBe("ok:genuine");
    expect(await outcome({}, extended)).toBe("401/issuer_not_allowed");
    expect(await outcome({}, other)).toBe("401/issuer_not_allowed");
    const e = (await authWith()
      .verify(extended)
      .catch((x: AuthError) => x)) as AuthError;
    expect(e).toMatchObject({ status: 401, code: "invalid_token", reason: "issuer_not_allowed" });
    expect(e.description).not.toContain(extended);
  });
});

describe("time claims at the clock-tolerance boundary (controlled Date)", () => {
  it("nbf: one second past the tolerance → 401 token_not_yet_valid; exactly at it → passes", async ({
    onTestFinished,
  }) => {
    const clock = controlledDate(onTestFinished, T0);
    const token = await issuer.sign({ sub: "early" }, { notBefore: 60, expiresIn: 3600 });
    const nbf = T0 / 1000 + 60;
    // Default tolerance 5 s.
    clock.set((nbf - 6) * 1000);
    expect(await outcome({}, token)).toBe("401/token_not_yet_valid");
    clock.set((nbf - 5) * 1000);
    expect(await outcome({}, token)).toBe("ok:early");
    // clockTolerance 0: refused one second before nbf, accepted at it.
    clock.set((nbf - 1) * 1000);
    expect(await outcome({ clockTolerance: 0 }, token)).toBe("401/token_not_yet_valid");
    clock.set(nbf * 1000);
    expect(await outcome({ clockTolerance: 0 }, token)).toBe("ok:early");
    // A larger tolerance moves the boundary with it.
    clock.set((nbf - 31) * 1000);
    expect(await outcome({ clockTolerance: 30 }, token)).toBe("401/token_not_yet_valid");
    clock.set((nbf - 30) * 1000);
    expect(await outcome({ clockTolerance: 30 }, token)).toBe("ok:early");
  });

  it("exp: refused from exp + tolerance on, accepted one second before", async ({
    onTestFinished,
  }) => {
    const clock = controlledDate(onTestFinished, T0);
    const token = await issuer.sign({ sub: "late" }, { expiresIn: 60 });
    const exp = T0 / 1000 + 60;
    clock.set((exp + 4) * 1000);
    expect(await outcome({}, token)).toBe("ok:late");
    clock.set((exp + 5) * 1000);
    expect(await outcome({}, token)).toBe("401/token_expired");
    clock.set((exp - 1) * 1000);
    expect(await outcome({ clockTolerance: 0 }, token)).toBe("ok:late");
    clock.set(exp * 1000);
    expect(await outcome({ clockTolerance: 0 }, token)).toBe("401/token_expired");
  });

  it("a cached token dies at exp + tolerance too (the cache keeps the same boundary)", async ({
    onTestFinished,
  }) => {
    const clock = controlledDate(onTestFinished, T0);
    const auth = authWith();
    const token = await issuer.sign({ sub: "cached" }, { expiresIn: 60 });
    const exp = T0 / 1000 + 60;
    await auth.verify(token);
    clock.set((exp + 4) * 1000 + 999);
    await expect(auth.verify(token)).resolves.toMatchObject({ sub: "cached" });
    expect(auth.stats.signatureChecks).toBe(1); // served from the cache
    clock.set((exp + 5) * 1000);
    await expect(auth.verify(token)).rejects.toMatchObject({ reason: "token_expired" });
  });

  it("iat: one second past the tolerance in the future → 401; exactly at it → passes", async ({
    onTestFinished,
  }) => {
    controlledDate(onTestFinished, T0);
    const now = T0 / 1000;
    const future = await issuer.sign({ sub: "ahead", iat: now + 6, exp: now + 3600 });
    const edge = await issuer.sign({ sub: "edge", iat: now + 5, exp: now + 3600 });
    expect(await outcome({}, future)).toBe("401/token_issued_in_future");
    expect(await outcome({}, edge)).toBe("ok:edge");
  });

  it("maxTokenAge: accepted up to maxTokenAge + tolerance after iat, refused one second later", async ({
    onTestFinished,
  }) => {
    const clock = controlledDate(onTestFinished, T0);
    const token = await issuer.sign({ sub: "aged" }, { expiresIn: 3600 });
    const iat = T0 / 1000;
    clock.set((iat + 60 + 5) * 1000);
    expect(await outcome({ maxTokenAge: 60 }, token)).toBe("ok:aged");
    clock.set((iat + 60 + 6) * 1000);
    expect(await outcome({ maxTokenAge: 60 }, token)).toBe("401/token_too_old");
    clock.set((iat + 61) * 1000);
    expect(await outcome({ maxTokenAge: 60, clockTolerance: 0 }, token)).toBe("401/token_too_old");
    clock.set((iat + 60) * 1000);
    expect(await outcome({ maxTokenAge: 60, clockTolerance: 0 }, token)).toBe("ok:aged");
  });
});
