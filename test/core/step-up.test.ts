/**
 * Step-up levels (RFC 9470): `checkAuthLevel` (public) validates a level once, and
 * `authLevelError` (internal) judges a token's `acr` / `amr` / `auth_time` against it —
 * each refusal and reason exact (mutation testing, issue 18).
 */
import { describe, expect, it } from "vitest";
import { authLevelError } from "../../src/core/step-up.js";
import { AUTH0_MFA_ACR, checkAuthLevel } from "../../src/index.js";
import { configRefusal } from "../support/config-refusal.js";

describe("checkAuthLevel", () => {
  it("returns a frozen copy with only the members given; a string acr is a list of one", () => {
    const acrOnly = checkAuthLevel({ acr: "urn:acr:gold" }, "here");
    expect(acrOnly).toStrictEqual({ acr: ["urn:acr:gold"] });
    expect(Object.keys(acrOnly)).toEqual(["acr"]);
    expect(Object.isFrozen(acrOnly)).toBe(true);
    expect(Object.isFrozen(acrOnly.acr)).toBe(true);
    const ageOnly = checkAuthLevel({ maxAge: 0 }, "here");
    expect(Object.keys(ageOnly)).toEqual(["maxAge"]);
    expect(ageOnly.maxAge).toBe(0);
    expect(checkAuthLevel({ acr: ["a", "b", "a"], maxAge: 300 }, "here")).toStrictEqual({
      acr: ["a", "b"],
      maxAge: 300,
    });
    expect(checkAuthLevel({ acr: [AUTH0_MFA_ACR, "!~"] }, "here").acr).toEqual([
      AUTH0_MFA_ACR,
      "!~",
    ]);
  });

  it("names `where` and says what is wrong", () => {
    const cases: [unknown, string, string][] = [
      [null, "lvl", "expects { acr?: string[], maxAge?: seconds }"],
      ["mfa", "lvl", "expects { acr?: string[], maxAge?: seconds }"],
      [undefined, "lvl", "expects { acr?: string[], maxAge?: seconds }"],
      [{}, "lvl", "give acr (accepted acr values) and / or maxAge (seconds since the login)"],
      [{ acr: [] }, "lvl.acr", "must be a non-empty list of acr values"],
      [{ acr: 7 }, "lvl.acr", "must be a non-empty list of acr values"],
      [{ acr: [42] }, "lvl.acr", "42 is not an acr value (a non-empty string without spaces)"],
      [{ acr: [""] }, "lvl.acr", '"" is not an acr value (a non-empty string without spaces)'],
      [
        { acr: ["a b"] },
        "lvl.acr",
        '"a b" is not an acr value (a non-empty string without spaces)',
      ],
      [
        { acr: [" ab"] },
        "lvl.acr",
        '" ab" is not an acr value (a non-empty string without spaces)',
      ],
      [
        { acr: ["ab "] },
        "lvl.acr",
        '"ab " is not an acr value (a non-empty string without spaces)',
      ],
      [{ acr: ["é"] }, "lvl.acr", '"é" is not an acr value (a non-empty string without spaces)'],
      [{ maxAge: -1 }, "lvl.maxAge", "must be a whole number of seconds (≥ 0)"],
      [{ maxAge: 1.5 }, "lvl.maxAge", "must be a whole number of seconds (≥ 0)"],
      [{ maxAge: "300" }, "lvl.maxAge", "must be a whole number of seconds (≥ 0)"],
    ];
    for (const [level, option, message] of cases) {
      expect(
        configRefusal(() => checkAuthLevel(level, "lvl")),
        JSON.stringify(level),
      ).toEqual({
        option,
        message: `scopegate: ${option}: ${message}`,
      });
    }
  });
});

describe("authLevelError (internal)", () => {
  const NOW = 1_800_000_000;
  const judge = (payload: Record<string, unknown>, level: unknown, tolerance = 0) => {
    const e = authLevelError(payload, checkAuthLevel(level, "t"), NOW, tolerance);
    return e && { reason: e.reason, description: e.description };
  };

  it("acr: one of the listed values; Auth0's MFA acr is also met by amr holding mfa", () => {
    expect(AUTH0_MFA_ACR).toBe("http://schemas.openid.net/pape/policies/2007/06/multi-factor");
    expect(judge({ acr: "b" }, { acr: ["a", "b"] })).toBeNull();
    expect(judge({ amr: ["pwd", "mfa"] }, { acr: [AUTH0_MFA_ACR] })).toBeNull();
    expect(judge({ amr: ["mfa"] }, { acr: ["a", "b"] })).toEqual({
      reason: "acr_not_satisfied",
      description: "a stronger login is required (acr a or b)",
    });
    expect(judge({ acr: ["a"] }, { acr: ["a"] })).toMatchObject({ reason: "acr_not_satisfied" });
  });

  it("maxAge: auth_time must be a finite number (1e400 in JSON parses to Infinity)", () => {
    expect(judge({ auth_time: NOW - 10 }, { maxAge: 10 })).toBeNull();
    expect(judge({ auth_time: NOW - 11 }, { maxAge: 10 })).toEqual({
      reason: "auth_too_old",
      description: "a more recent login is required (at most 10 seconds ago)",
    });
    const missing = {
      reason: "auth_time_missing",
      description: "a recent login is required (the token has no auth_time)",
    };
    expect(judge({}, { maxAge: 10 })).toEqual(missing);
    expect(judge({ auth_time: JSON.parse("1e400") }, { maxAge: 10 })).toEqual(missing);
    expect(judge({ auth_time: String(NOW) }, { maxAge: 10 })).toEqual(missing);
    // In the future: up to the clock tolerance it counts as now, one second more fails.
    expect(judge({ auth_time: NOW + 5 }, { maxAge: 10 }, 5)).toBeNull();
    expect(judge({ auth_time: NOW + 6 }, { maxAge: 10 }, 5)).toMatchObject({
      reason: "auth_too_old",
    });
  });
});
