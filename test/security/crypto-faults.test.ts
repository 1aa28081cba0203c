/**
 * The crypto layer cannot lie: node:crypto is used only after a one-time self-test shows it
 * verifies the way we call it; a runtime whose `crypto.verify` throws on that form (workerd
 * with `nodejs_compat`) or answers wrongly falls back to WebCrypto; an exception after the
 * self-test is a 500 `server_error` with its cause kept, never a 401 "bad signature".
 *
 * Each case patches this process's node:crypto module, then imports scopegate afresh
 * (`vi.resetModules`), so the self-test runs again against the patched module.
 */
import type * as NodeCrypto from "node:crypto";
import type { TestAlg } from "scopegate/testing";
import { afterEach, describe, expect, it, vi } from "vitest";
import { issuersClosedAfterEach } from "../support/issuers.js";

type Scopegate = typeof import("scopegate");
const c = process.getBuiltinModule("node:crypto") as typeof NodeCrypto;
const original = c.verify;
const startIssuer = issuersClosedAfterEach();

afterEach(() => {
  c.verify = original;
});

/** Makes `crypto.verify` behave as `impl` from now on (both call forms). */
function patchVerify(impl: (...args: Parameters<typeof original>) => boolean): void {
  c.verify = impl as typeof original;
}

/** A fresh copy of the library: its self-test has not run yet. */
async function freshScopegate(): Promise<Scopegate> {
  vi.resetModules();
  return import("scopegate");
}

/** workerd's behaviour: the `{ key, padding, dsaEncoding }` options form is refused. */
function workerdLike(...args: Parameters<typeof original>): boolean {
  const key = args[2];
  if (typeof key === "object" && key !== null && "key" in key) {
    throw new TypeError('The "key" argument must be of type KeyObject');
  }
  return (original as (...a: unknown[]) => boolean)(...args);
}

const ALGS: TestAlg[] = ["RS256", "PS256", "ES256", "EdDSA"];

/** Changes a character inside the signature (the last one may hold only padding bits). */
function tamper(token: string): string {
  const i = token.length - 10;
  return token.slice(0, i) + (token[i] === "A" ? "B" : "A") + token.slice(i + 1);
}

describe("node:crypto that rejects the options form (workerd nodejs_compat)", () => {
  it("falls back to WebCrypto: valid tokens pass, tampered ones are 401", async () => {
    patchVerify(workerdLike);
    const { createAuth } = await freshScopegate();
    const issuer = await startIssuer();
    const auth = createAuth({ issuer: issuer.url, audience: issuer.audience });
    // Signed first: the issuer makes each algorithm's key on first use, and the JWKS is fetched once.
    const tokens = await Promise.all(
      ALGS.map((alg) => issuer.sign({ sub: `user-${alg}` }, { alg })),
    );
    for (const [i, alg] of ALGS.entries()) {
      const token = tokens[i] as string;
      await expect(auth.verify(token)).resolves.toMatchObject({ sub: `user-${alg}` });
      await expect(auth.verify(tamper(token))).rejects.toMatchObject({
        status: 401,
        code: "invalid_token",
        reason: "invalid_signature",
      });
    }
  });

  it("falls back for DPoP proofs too", async () => {
    patchVerify(workerdLike);
    const { createAuth } = await freshScopegate();
    const issuer = await startIssuer();
    const auth = createAuth({ issuer: issuer.url, audience: issuer.audience });
    const key = await issuer.dpopKey("ES256");
    const token = await issuer.sign({ sub: "bound" }, { dpopJkt: key.thumbprint });
    const url = "https://api.example.com/me";
    const proof = await issuer.dpopProof({ key, method: "GET", url, accessToken: token });
    await expect(auth.verify(token, { method: "GET", url, dpop: proof })).resolves.toMatchObject({
      sub: "bound",
    });
  });
});

describe("node:crypto that answers wrongly", () => {
  it("a verify that says yes to everything is caught by the self-test", async () => {
    patchVerify(() => true);
    const { createAuth } = await freshScopegate();
    const issuer = await startIssuer();
    const auth = createAuth({ issuer: issuer.url, audience: issuer.audience });
    const token = await issuer.sign({ sub: "u" }, { alg: "ES256" });
    await expect(auth.verify(token)).resolves.toMatchObject({ sub: "u" });
    await expect(auth.verify(tamper(token))).rejects.toMatchObject({
      status: 401,
      reason: "invalid_signature",
    });
  });

  it("a verify that says no to everything falls back too (no valid token refused)", async () => {
    patchVerify(() => false);
    const { createAuth } = await freshScopegate();
    const issuer = await startIssuer();
    const auth = createAuth({ issuer: issuer.url, audience: issuer.audience });
    const token = await issuer.sign({ sub: "u" }, { alg: "RS256" });
    await expect(auth.verify(token)).resolves.toMatchObject({ sub: "u" });
  });
});

describe("node:crypto that starts throwing after the self-test passed", () => {
  const boom = new Error("crypto backend exploded");

  it("is a 500 server_error with the cause kept, for a token", async () => {
    const { createAuth, isAuthError } = await freshScopegate();
    const issuer = await startIssuer();
    const auth = createAuth({ issuer: issuer.url, audience: issuer.audience });
    // The self-test runs on first use: one good verification with the real node:crypto.
    await expect(auth.verify(await issuer.sign({}, { alg: "RS256" }))).resolves.toBeTruthy();
    patchVerify(() => {
      throw boom;
    });
    const error: unknown = await auth.verify(await issuer.sign({}, { alg: "ES256" })).then(
      () => "accepted",
      (e: unknown) => e,
    );
    expect(isAuthError(error)).toBe(true);
    expect(error).toMatchObject({ status: 500, code: "server_error", reason: "internal" });
    expect((error as Error).cause).toBe(boom);
    expect(JSON.stringify(error)).not.toContain("exploded");
  });

  it("is a 500 for a DPoP proof, through createAuthContext, with WWW-Authenticate kept", async () => {
    const { createAuth } = await freshScopegate();
    const issuer = await startIssuer();
    const auth = createAuth({ issuer: issuer.url, audience: issuer.audience });
    const key = await issuer.dpopKey("ES256");
    const token = await issuer.sign({}, { dpopJkt: key.thumbprint, alg: "RS256" });
    const url = "https://api.example.com/me";
    // The token is verified (and cached) while node:crypto works; then only the proof fails.
    const first = await issuer.dpopProof({ key, method: "GET", url, accessToken: token });
    await auth.verify(token, { method: "GET", url, dpop: first });
    patchVerify(() => {
      throw boom;
    });
    const proof = await issuer.dpopProof({ key, method: "GET", url, accessToken: token });
    const request = new Request(url, {
      headers: { authorization: `DPoP ${token}`, dpop: proof },
    });
    const { auth: state } = await auth.createAuthContext(request);
    const error = await state.require().then(
      () => "accepted",
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ status: 500, code: "server_error" });
    expect((error as Error).cause).toBe(boom);
  });
});
