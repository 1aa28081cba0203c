/**
 * `domainToIssuer` and `checkIssuerUrl` (public): which hosts and URLs are accepted and what
 * each refusal says (mutation testing, issue 18).
 */
import { describe, expect, it } from "vitest";
import { checkIssuerUrl, domainToIssuer } from "../../src/index.js";
import { configRefusal } from "../support/config-refusal.js";

describe("domainToIssuer", () => {
  it("a bare host (any case, spaces around, a port) becomes https://<host>/", () => {
    expect(domainToIssuer("tenant.us.auth0.com")).toBe("https://tenant.us.auth0.com/");
    expect(domainToIssuer("  Tenant.US.Auth0.com \n")).toBe("https://tenant.us.auth0.com/");
    expect(domainToIssuer("login.example.com:1")).toBe("https://login.example.com:1/");
    expect(domainToIssuer("login.example.com:65535")).toBe("https://login.example.com:65535/");
    expect(domainToIssuer("localhost")).toBe("https://localhost/");
    expect(domainToIssuer("a-1.b2")).toBe("https://a-1.b2/");
    expect(domainToIssuer("x.y.z")).toBe("https://x.y.z/"); // one-character labels
    // 63-character labels, 253 characters in all.
    const label = "a".repeat(63);
    const longest = `${label}.${label}.${label}.${"b".repeat(61)}`;
    expect(longest).toHaveLength(253);
    expect(domainToIssuer(longest)).toBe(`https://${longest}/`);
  });

  it("says what to write instead of a URL, user info or a path", () => {
    expect(configRefusal(() => domainToIssuer("https://t.auth0.com/authorize?x=1"))).toEqual({
      option: "domain",
      message: 'scopegate: domain: must be a bare host, not https://…; use "t.auth0.com"',
    });
    expect(configRefusal(() => domainToIssuer("HTTP://T.auth0.com", "tenants[0].domain"))).toEqual({
      option: "tenants[0].domain",
      message: 'scopegate: tenants[0].domain: must be a bare host, not http://…; use "t.auth0.com"',
    });
    expect(configRefusal(() => domainToIssuer("me@t.auth0.com")).message).toBe(
      "scopegate: domain: must be a bare host, without user info (@)",
    );
    // A "scheme" later in the value is a path, not a scheme.
    expect(configRefusal(() => domainToIssuer("t.auth0.com/x://y")).message).toBe(
      'scopegate: domain: must be a bare host without a path; use "t.auth0.com"',
    );
    for (const v of ["t.auth0.com/", "t.auth0.com?a", "t.auth0.com#f", "t.auth0.com/a/b?c#d"]) {
      expect(configRefusal(() => domainToIssuer(v)).message).toBe(
        'scopegate: domain: must be a bare host without a path; use "t.auth0.com"',
      );
    }
  });

  it("refuses what is not a host name, or a port outside 1–65535", () => {
    const bad = [
      "",
      "a:b:443",
      "t.auth0.com:443x",
      "t.auth0.com:0",
      "t.auth0.com:65536",
      "t.auth0.com:123456",
      "t.auth0.com:",
      "-t.auth0.com",
      "t-.auth0.com",
      "t..auth0.com",
      ".t.auth0.com",
      "t.auth0.com.",
      "t_x.auth0.com",
      "tenant name.auth0.com",
      `${"a".repeat(64)}.com`,
      `${"a".repeat(63)}.${"a".repeat(63)}.${"a".repeat(63)}.${"b".repeat(62)}`,
    ];
    for (const v of bad) {
      expect(
        configRefusal(() => domainToIssuer(v)),
        v,
      ).toEqual({
        option: "domain",
        message: `scopegate: domain: "${v.trim().toLowerCase()}" is not a valid host name (e.g. "tenant.us.auth0.com")`,
      });
    }
  });
});

describe("checkIssuerUrl", () => {
  it("returns an https URL (or http on loopback) unchanged, since iss is compared exactly", () => {
    for (const url of [
      "https://idp.example.com/",
      "https://idp.example.com",
      "https://idp.example.com/realms/x",
      "http://127.0.0.1:8080/",
      "http://localhost/",
    ]) {
      expect(checkIssuerUrl(url)).toBe(url);
    }
  });

  it("names the option and says what is wrong", () => {
    const cases: [string, string][] = [
      ["idp.example.com", '"idp.example.com" is not an absolute URL'],
      ["https://user:pw@idp.example.com/", "must not contain user info"],
      ["https://user@idp.example.com/", "must not contain user info"],
      ["https://idp.example.com/?a=1", "an issuer URL has no query or fragment"],
      ["https://idp.example.com/#x", "an issuer URL has no query or fragment"],
      [
        "http://idp.example.com/",
        "must use https: (http: is accepted only for loopback hosts such as 127.0.0.1)",
      ],
      ["ftp://idp.example.com/", "must be an https: URL"],
    ];
    for (const [url, message] of cases) {
      expect(
        configRefusal(() => checkIssuerUrl(url)),
        url,
      ).toEqual({
        option: "issuer",
        message: `scopegate: issuer: ${message}`,
      });
    }
    expect(configRefusal(() => checkIssuerUrl("nope", "tenants[1].issuer")).option).toBe(
      "tenants[1].issuer",
    );
  });
});
