import { describe, expect, it } from "vitest";
import { z } from "zod";
import { type AuthOptions, ConfigurationError, createAuth } from "../../src/index.js";

const audience = "https://api.example.com";

function configError(options: unknown): ConfigurationError {
  try {
    createAuth(options as AuthOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error("createAuth accepted invalid options");
}

describe("createAuth option validation", () => {
  const cases: Array<[string, unknown, string, RegExp]> = [
    ["not an object", undefined, "", /options object/],
    ["no issuer source", { audience }, "domain", /domain \(Auth0\), domains, issuer or issuers/],
    [
      "two issuer sources",
      { domain: "a.auth0.com", issuer: "https://b/", audience },
      "issuer",
      /only one of/,
    ],
    ["missing audience", { domain: "t.auth0.com" }, "audience", /API identifier/],
    ["empty audience", { domain: "t.auth0.com", audience: "" }, "audience", /API identifier/],
    ["empty audience list", { domain: "t.auth0.com", audience: [] }, "audience", /API identifier/],
    [
      "domain with https://",
      { domain: "https://t.auth0.com", audience },
      "domain",
      /bare host, not https:\/\/…; use "t.auth0.com"/,
    ],
    [
      "domain with a path",
      { domain: "t.auth0.com/x", audience },
      "domain",
      /without a path; use "t.auth0.com"/,
    ],
    ["domain with userinfo", { domain: "u@t.auth0.com", audience }, "domain", /user info/],
    [
      "domain with bad port",
      { domain: "t.auth0.com:99999", audience },
      "domain",
      /not a valid host/,
    ],
    ["domain with spaces", { domain: "t auth0.com", audience }, "domain", /not a valid host/],
    [
      "domains entry bad",
      { domains: ["ok.auth0.com", "http://x"], audience },
      "domains[1]",
      /bare host/,
    ],
    ["domains empty", { domains: [], audience }, "domains", /./],
    ["issuer not a URL", { issuer: "tenant", audience }, "issuer", /absolute URL/],
    [
      "issuer http non-loopback",
      { issuer: "http://idp.example.com/", audience },
      "issuer",
      /https.*loopback/,
    ],
    [
      "issuer with query",
      { issuer: "https://idp.example.com/?a=1", audience },
      "issuer",
      /query or fragment/,
    ],
    ["issuer ftp", { issuer: "ftp://idp.example.com/", audience }, "issuer", /https: URL/],
    [
      "issuers entry bad",
      { issuers: ["https://a/", "http://b.example/"], audience },
      "issuers[1]",
      /loopback/,
    ],
    [
      "jwksUri http",
      { domain: "t.auth0.com", jwksUri: "http://keys.example/", audience },
      "jwksUri",
      /https/,
    ],
    [
      "jwks and jwksUri",
      { domain: "t.auth0.com", jwksUri: "https://k/", jwks: { keys: [] }, audience },
      "jwks",
      /not both/,
    ],
    [
      "jwks malformed",
      { domain: "t.auth0.com", jwks: { keys: [{}] }, audience },
      "jwks.keys[0].kty",
      /./,
    ],
    [
      "HS256 listed",
      { domain: "t.auth0.com", algorithms: ["RS256", "HS256"], audience },
      "algorithms",
      /symmetric/,
    ],
    [
      "none listed",
      { domain: "t.auth0.com", algorithms: ["none"], audience },
      "algorithms",
      /never accepted/,
    ],
    [
      "unknown alg",
      { domain: "t.auth0.com", algorithms: ["XX1"], audience },
      "algorithms",
      /not a supported/,
    ],
    [
      "negative clockTolerance",
      { domain: "t.auth0.com", clockTolerance: -1, audience },
      "clockTolerance",
      /./,
    ],
    ["zero maxTokenAge", { domain: "t.auth0.com", maxTokenAge: 0, audience }, "maxTokenAge", /./],
    [
      "requiredClaims not strings",
      { domain: "t.auth0.com", requiredClaims: [1], audience },
      "requiredClaims[0]",
      /./,
    ],
    ["strict not boolean", { domain: "t.auth0.com", strict: "yes", audience }, "strict", /./],
    [
      "claims not zod",
      { domain: "t.auth0.com", claims: { sub: "x" }, audience },
      "claims",
      /[Ss]chema/,
    ],
    [
      "cache unknown key",
      { domain: "t.auth0.com", cache: { ttl: 1 }, audience },
      "cache.ttl",
      /not an option of cache/,
    ],
    [
      "cache minAge > maxAge",
      { domain: "t.auth0.com", cache: { minAge: 10, maxAge: 1 }, audience },
      "cache.minAge",
      /greater/,
    ],
    [
      "cache timeout zero",
      { domain: "t.auth0.com", cache: { timeout: 0 }, audience },
      "cache.timeout",
      /./,
    ],
    ["fetch not a function", { domain: "t.auth0.com", fetch: "x", audience }, "fetch", /function/],
    [
      "misspelled option",
      { domain: "t.auth0.com", audiance: audience, audience },
      "audiance",
      /is not an option; did you mean audience\?/,
    ],
    [
      "publicUrl not https",
      { domain: "t.auth0.com", publicUrl: "http://api.example.com", audience },
      "publicUrl",
      /https/,
    ],
    ["trustProxy bad", { domain: "t.auth0.com", trustProxy: "yes", audience }, "trustProxy", /./],
  ];

  it.each(cases)("%s", (_name, options, option, message) => {
    const error = configError(options);
    expect(error.option).toBe(option);
    expect(error.message).toMatch(message);
    expect(error.code).toBe("ERR_SCOPEGATE_CONFIGURATION");
  });

  it("accepts the Auth0 quick-start shape and normalises the domain", () => {
    expect(() => createAuth({ domain: "Tenant.US.Auth0.com", audience })).not.toThrow();
    expect(() => createAuth({ domain: "tenant.example.com:8443", audience })).not.toThrow();
  });

  it("accepts loopback http issuers, lists, resolvers and a zod schema", () => {
    expect(() => createAuth({ issuer: "http://127.0.0.1:3000/", audience })).not.toThrow();
    expect(() => createAuth({ issuer: "http://localhost:3000", audience })).not.toThrow();
    expect(() => createAuth({ issuer: "http://[::1]:3000", audience })).not.toThrow();
    expect(() =>
      createAuth({
        issuers: ["https://a.example/", "https://b.example"],
        audience: [audience, "x"],
      }),
    ).not.toThrow();
    expect(() => createAuth({ domains: () => ["a.auth0.com"], audience })).not.toThrow();
    expect(() =>
      createAuth({ domain: "t.auth0.com", audience, claims: z.object({ sub: z.string() }) }),
    ).not.toThrow();
  });

  it("treats an option given as undefined (an unset process.env variable) as absent", () => {
    const unset = process.env.SCOPEGATE_UNSET_VARIABLE;
    const auth = createAuth({
      domain: "t.auth0.com",
      domains: undefined,
      issuer: unset,
      issuers: undefined,
      jwksUri: unset,
      jwks: undefined,
      audience,
      algorithms: undefined,
      clockTolerance: undefined,
      maxTokenAge: undefined,
      requiredClaims: undefined,
      strict: undefined,
      claims: undefined,
      realm: unset,
      cache: {
        maxAge: undefined,
        tokens: { max: undefined, maxAge: undefined },
        issuers: { max: undefined, idle: undefined, newPerSecond: undefined, failures: undefined },
      },
      resolverTimeout: undefined,
      fetch: undefined,
      dpop: {
        mode: undefined,
        algorithms: undefined,
        nonce: { secret: unset, rotation: undefined },
      },
      trustProxy: undefined,
      publicUrl: unset,
      onAuthResult: undefined,
      logger: undefined,
      resourceMetadata: {
        resource: "https://api.example.com",
        url: undefined,
        resourceName: unset,
      },
    });
    expect(auth.resourceMetadata?.document.resource).toBe("https://api.example.com");
  });

  it("does no I/O at creation", () => {
    let calls = 0;
    const fetch: typeof globalThis.fetch = async () => {
      calls++;
      return new Response("{}");
    };
    const auth = createAuth({ domain: "t.auth0.com", audience, fetch });
    expect(calls).toBe(0);
    // The I/O counters by name (other counters may be added to stats without breaking this).
    const { verifications, discoveryFetches, jwksFetches, introspections, signatureChecks } =
      auth.stats;
    expect({
      verifications,
      discoveryFetches,
      jwksFetches,
      introspections,
      signatureChecks,
    }).toEqual({
      verifications: 0,
      discoveryFetches: 0,
      jwksFetches: 0,
      introspections: 0,
      signatureChecks: 0,
    });
    expect(auth.stats.issuers).toEqual({ live: 0, pending: 0, failed: 0 });
  });
});

describe("option errors come all at once, in plain words, with the fix", () => {
  it("reports every bad option in one ConfigurationError", () => {
    const error = configError({
      domain: "https://t.auth0.com/",
      audience: "",
      cache: { cooldown: -1 },
      clockTolerance: "5",
    });
    expect(error.problems.map((p) => p.option).sort()).toEqual(
      ["audience", "cache.cooldown", "clockTolerance", "domain"].sort(),
    );
    expect(error.message).toMatch(/^scopegate: 4 invalid options:\n {2}- /);
    expect(error.message).not.toMatch(/Invalid input|Too small|expected string to have/);
    expect(error.message).toContain(
      'audience: must not be empty: your API identifier, e.g. audience: "https://api.example.com"',
    );
    expect(error.message).toContain("clockTolerance: must be number, not string");
    expect(error.message).toContain("domain: must be a bare host");
  });

  it("a missing audience says it is required and how to set it", () => {
    const error = configError({ domain: "t.auth0.com" });
    expect(error.message).toBe(
      'scopegate: audience: is required: your API identifier, e.g. audience: "https://api.example.com" (a string or a non-empty list)',
    );
  });

  it.each([
    ["issuerBaseURL", "https://t.auth0.com", /use issuer \(any OIDC issuer URL\) or domain/],
    ["secret", "s3cr3t-value", /symmetric \(HS\*\) secrets are never accepted/],
    ["tokenSigningAlg", "RS256", /use algorithms/],
    ["validators", {}, /use claims \(a schema\) or requiredClaims/],
    ["authRequired", false, /requireAuth\(\)/],
  ])("maps express-oauth2-jwt-bearer's %s to ours", (name, value, message) => {
    const error = configError({ domain: "t.auth0.com", audience, [name]: value });
    expect(error.option).toBe(name);
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain("s3cr3t-value");
  });

  it("describes a union that failed instead of zod's 'Invalid input'", () => {
    const error = configError({ domains: "a.auth0.com", audience });
    expect(error.message).toBe(
      'scopegate: domains: must be a non-empty list of bare hosts (["a.us.auth0.com", "login.example.com"]) or a resolver function',
    );
  });
});
