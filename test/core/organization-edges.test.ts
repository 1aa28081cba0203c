/**
 * The organization checks at their edges (mutation testing, issue 18): how a list compiles
 * (IDs by their `org_` prefix, names case-insensitively), an empty `org_id`, and each
 * refusal's reason and description, for the API-wide option (401) and per operation (403).
 */
import { describe, expect, it } from "vitest";
import {
  organizationAllowed,
  organizationDenied,
  organizationMatcher,
  organizationTokenError,
  resolveOrganization,
} from "../../src/core/organization.js";
import { AuthError, ConfigurationError } from "../../src/index.js";

const described = (e: unknown) => {
  if (!(e instanceof AuthError)) throw e;
  return { status: e.status, code: e.code, reason: e.reason, description: e.description };
};

describe("organizationMatcher", () => {
  it("an `org_` prefix makes an ID (exact); anything else is a name (lower-cased)", () => {
    const m = organizationMatcher(["org_AbC", "Acme", "Team_org_X"], "where");
    expect([...m.ids]).toEqual(["org_AbC"]);
    expect([...m.names]).toEqual(["acme", "team_org_x"]);
    expect(m.given).toEqual(["org_AbC", "Acme", "Team_org_X"]);
    expect([...organizationMatcher("org_1", "where").ids]).toEqual(["org_1"]);
  });

  it("refuses an empty list, a non-string, an empty or padded item, naming `where`", () => {
    const refusal = (value: unknown) => {
      try {
        organizationMatcher(value, "requireOrganization");
      } catch (e) {
        if (e instanceof ConfigurationError) return e.message;
        throw e;
      }
      return "accepted";
    };
    const list =
      'scopegate: requireOrganization: expects an organization ID ("org_…"), a name, a non-empty list of them, or a resolver';
    expect(refusal([])).toBe(list);
    expect(refusal(42)).toBe(list);
    const item = (shown: string) =>
      `scopegate: requireOrganization: ${shown} is not an organization ID or name (a non-empty string without surrounding spaces)`;
    expect(refusal([42])).toBe(item("42"));
    expect(refusal([""])).toBe(item('""'));
    expect(refusal(["  "])).toBe(item('"  "'));
    expect(refusal([" acme"])).toBe(item('" acme"'));
  });
});

describe("organizationAllowed", () => {
  it("always needs a non-empty string org_id", () => {
    expect(organizationAllowed({ org_id: "" }, null)).toBe(false);
    expect(organizationAllowed({ org_id: 7 }, null)).toBe(false);
    expect(organizationAllowed({ org_id: "org_1" }, null)).toBe(true);
    const m = organizationMatcher(["acme"], "w");
    expect(organizationAllowed({ org_id: "", org_name: "acme" }, m)).toBe(false);
    expect(organizationAllowed({ org_id: "org_9", org_name: "ACME" }, m)).toBe(true);
    expect(organizationAllowed({ org_id: "org_9", org_name: 1 }, m)).toBe(false);
  });
});

describe("refusals", () => {
  it("API-wide: 401 invalid_token, organization_missing for an empty org_id", () => {
    expect(described(organizationTokenError({ org_id: "" }))).toEqual({
      status: 401,
      code: "invalid_token",
      reason: "organization_missing",
      description: "the token has no organization (org_id)",
    });
    expect(described(organizationTokenError({ org_id: "org_2" }))).toEqual({
      status: 401,
      code: "invalid_token",
      reason: "organization_not_allowed",
      description: "the token's organization is not accepted",
    });
  });

  it("per operation: 403 insufficient_scope, organization_missing for an empty org_id", () => {
    expect(described(organizationDenied({ org_id: "" }))).toEqual({
      status: 403,
      code: "insufficient_scope",
      reason: "organization_missing",
      description: "this operation requires an organization token (org_id)",
    });
    expect(described(organizationDenied({ org_id: "org_2" }))).toEqual({
      status: 403,
      code: "insufficient_scope",
      reason: "organization_not_allowed",
      description: "this operation is not available to the token's organization",
    });
  });
});

describe("resolveOrganization", () => {
  it("a static value names the option `organization`", () => {
    expect(() => resolveOrganization([], 1)).toThrow(/^scopegate: organization: expects/);
  });

  it("a synchronous answer gives a matcher at once, not a promise", () => {
    const check = resolveOrganization(() => ["org_1"], 1);
    const m = check(undefined);
    if ("then" in m) throw new Error("a promise for a synchronous answer");
    expect([...m.ids]).toEqual(["org_1"]);
  });

  it("a bad answer (sync or async) is a 500 with the ConfigurationError kept as cause", async () => {
    const expected = {
      status: 500,
      code: "server_error",
      reason: "internal",
      description: "internal error while resolving the allowed organizations",
    };
    let sync: unknown;
    try {
      resolveOrganization(() => [] as string[], 1)(undefined);
    } catch (e) {
      sync = e;
    }
    expect(described(sync)).toEqual(expected);
    expect((sync as Error).cause).toBeInstanceOf(ConfigurationError);
    expect(((sync as Error).cause as ConfigurationError).option).toBe("organization");
    const async = await Promise.resolve(
      resolveOrganization(async () => [42] as unknown as string[], 1)(undefined),
    ).catch((e: unknown) => e);
    expect(described(async)).toEqual(expected);
    expect(((async as Error).cause as ConfigurationError).option).toBe("organization");
  });

  it("a resolver that throws is a 500, one that does not answer in time a 503", async () => {
    const boom = new Error("db down");
    let thrown: unknown;
    try {
      resolveOrganization(() => {
        throw boom;
      }, 1)(undefined);
    } catch (e) {
      thrown = e;
    }
    expect(described(thrown)).toEqual({
      status: 500,
      code: "server_error",
      reason: "internal",
      description: "internal error while resolving the allowed organizations",
    });
    expect((thrown as Error).cause).toBe(boom);
    const hung = await Promise.resolve(
      resolveOrganization(() => new Promise<string[]>(() => {}), 0.05)(undefined),
    ).catch((e: unknown) => e);
    expect(described(hung)).toEqual({
      status: 503,
      code: "temporarily_unavailable",
      reason: "resolver_unavailable",
      description: "the organization resolver is temporarily unavailable",
    });
    // The cause says what did not answer, for the log.
    expect((hung as Error).cause).toMatchObject({
      name: "DeadlineError",
      message: "the organization resolver did not answer within 0.05 s",
    });
  });
});
