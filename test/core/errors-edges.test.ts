/**
 * Errors and challenges at their edges (issue 18: each case was a Stryker survivor of
 * src/core/errors.ts): the exact WWW-Authenticate of each kind of refusal, the shape test of
 * isAuthError, and ConfigurationError's messages.
 */
import { describe, expect, it } from "vitest";
import {
  AuthError,
  ConfigurationError,
  InsufficientScopeError,
  InvalidDpopProofError,
  InvalidTokenError,
  isAuthError,
  UseDpopNonceError,
} from "../../src/index.js";

const DPOP = {
  realm: "api",
  dpopAlgorithms: ["ES256"],
  dpopOnly: false,
  scheme: "Bearer" as const,
};

describe("challenges", () => {
  it("by default: realm api, Bearer only; no cause member unless one was given", () => {
    const e = new InvalidTokenError("bad");
    expect(e.headers["WWW-Authenticate"]).toBe(
      'Bearer realm="api", error="invalid_token", error_description="bad"',
    );
    expect("cause" in e).toBe(false);
    expect(new InvalidTokenError("bad", { cause: 1 }).cause).toBe(1);
  });

  it('a description with " and \\ is escaped inside its quoted-string', () => {
    expect(new InvalidTokenError('a"b\\c').headers["WWW-Authenticate"]).toBe(
      'Bearer realm="api", error="invalid_token", error_description="a\\"b\\\\c"',
    );
  });

  it("an empty scope list or acr list adds no scope= or acr_values=", () => {
    expect(new InsufficientScopeError("no", {}, []).headers["WWW-Authenticate"]).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="no"',
    );
    const e = new InvalidTokenError("login", { authLevel: { acr: [] } });
    expect(e.headers["WWW-Authenticate"]).toBe(
      'Bearer realm="api", error="invalid_token", error_description="login"',
    );
  });

  it("a proof error and a nonce error go in the DPoP challenge even when the client used Bearer", () => {
    for (const E of [InvalidDpopProofError, UseDpopNonceError]) {
      const e = new E("p").applyChallenge(DPOP);
      expect(e.headers["WWW-Authenticate"]).toBe(
        `Bearer realm="api", DPoP error="${e.code}", error_description="p", algs="ES256"`,
      );
    }
    expect(new InvalidTokenError("t").applyChallenge(DPOP).headers["WWW-Authenticate"]).toBe(
      'Bearer realm="api", error="invalid_token", error_description="t", DPoP algs="ES256"',
    );
  });
});

describe("isAuthError", () => {
  /** An Error shaped like an AuthError of another copy of scopegate. */
  const foreign = (over: Record<string, unknown> = {}) =>
    Object.assign(new Error("x"), {
      status: 401,
      code: "invalid_token",
      description: "x",
      toJSON: () => ({}),
      headers: {},
      ...over,
    });

  it("recognises an AuthError of another copy by its shape, and nothing short of it", () => {
    expect(isAuthError(new InvalidTokenError("x"))).toBe(true);
    expect(isAuthError(foreign())).toBe(true);
    for (const code of ["unauthorized", "server_error", "temporarily_unavailable"]) {
      expect(isAuthError(foreign({ code }))).toBe(true);
    }
    for (const over of [
      { status: "401" },
      { code: 7 },
      { code: "not_a_code" },
      { description: 1 },
      { toJSON: "no" },
      { headers: "no" },
      { headers: null },
    ]) {
      expect(isAuthError(foreign(over)), JSON.stringify(over)).toBe(false);
    }
    expect(isAuthError({ status: 401 })).toBe(false);
    expect(new InvalidTokenError("x")).toBeInstanceOf(AuthError);
  });
});

describe("ConfigurationError", () => {
  it("names its class and code; the option prefixes the message when there is one", () => {
    const e = new ConfigurationError("cache.cooldown", "must be ≥ 0");
    expect([e.name, e.code, ConfigurationError.code]).toEqual([
      "ConfigurationError",
      "ERR_SCOPEGATE_CONFIGURATION",
      "ERR_SCOPEGATE_CONFIGURATION",
    ]);
    expect(e.message).toBe("scopegate: cache.cooldown: must be ≥ 0");
    expect(new ConfigurationError("", "no option").message).toBe("scopegate: no option");
  });

  it("several problems: one message listing each, the option-less one without a prefix", () => {
    const e = ConfigurationError.of([
      { option: "domain", message: "is required" },
      { option: "", message: "give issuer or domain" },
    ]);
    expect(e.message).toBe(
      "scopegate: 2 invalid options:\n  - domain: is required\n  - give issuer or domain",
    );
    expect(ConfigurationError.of([]).message).toBe("scopegate: invalid options");
  });
});
