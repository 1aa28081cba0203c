import { generateKeyPair } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestIssuer, type TestIssuer } from "../../src/testing/index.js";
import { run } from "./helpers.js";

let issuer: TestIssuer;
let config: string[];

beforeAll(async () => {
  issuer = await createTestIssuer();
  config = ["--issuer", issuer.url, "--audience", issuer.audience];
});
afterAll(() => issuer.close());

const inspect = (token: string, ...args: string[]) => run(["inspect", token, ...args]);
const now = () => Math.floor(Date.now() / 1000);

describe("scopegate inspect", () => {
  it("decodes a good token without printing its signature, and exits 0", async () => {
    const token = await issuer.sign({ scope: "read:messages" });
    const { code, stdout } = await inspect(token, ...config);
    expect(code).toBe(0);
    expect(stdout).toContain('"scope": "read:messages"');
    expect(stdout).toContain('"alg": "RS256"');
    expect(stdout).toContain("expires in 1 h");
    expect(stdout).toMatch(/exp\s+\d{4}-\d\d-\d\dT[\d:.]+Z/);
    expect(stdout).toContain("Result: no problem found");
    expect(stdout).not.toContain(token.split(".")[2]);
  });

  it('says "expires in 5 min" for a token about to expire', async () => {
    const { code, stdout } = await inspect(await issuer.sign({}, { expiresIn: 300 }), ...config);
    expect(code).toBe(0);
    expect(stdout).toContain("expires in 5 min");
  });

  it("explains an expired token", async () => {
    const token = await issuer.sign({}, { expiresIn: -3 * 3600 });
    const { code, stdout } = await inspect(token, ...config);
    expect(code).toBe(1);
    expect(stdout).toContain("✗ expired 3 h ago");
    expect(stdout).toContain("answers 401 invalid_token (reason token_expired)");
  });

  it("explains a token that is not yet valid", async () => {
    const { code, stdout } = await inspect(await issuer.sign({}, { notBefore: 600 }), ...config);
    expect(code).toBe(1);
    expect(stdout).toContain("not yet valid: valid in 10 min");
    expect(stdout).toContain("reason token_not_yet_valid");
  });

  it("explains a wrong audience, naming the expected and the found one", async () => {
    const token = await issuer.sign({ aud: ["https://other.example", "https://x.example"] });
    const { code, stdout } = await inspect(token, ...config);
    expect(code).toBe(1);
    expect(stdout).toContain(
      `wrong audience: expected "${issuer.audience}", the token has "https://other.example", "https://x.example"`,
    );
    expect(stdout).toContain("reason audience_mismatch");
  });

  it("recognises an Auth0 Management API token", async () => {
    const token = await issuer.sign({ aud: "https://tenant.us.auth0.com/api/v2/" });
    const { stdout } = await inspect(token, ...config);
    expect(stdout).toContain("Auth0 Management API");
  });

  it("explains a wrong issuer, and a trailing-slash difference", async () => {
    const other = await inspect(await issuer.sign(), "--issuer", "https://tenant.eu.auth0.com/");
    expect(other.code).toBe(1);
    expect(other.stdout).toContain(
      `wrong issuer: expected "https://tenant.eu.auth0.com/", the token has "${issuer.url}"`,
    );
    expect(other.stdout).toContain("reason issuer_not_allowed");
    const slash = await inspect(await issuer.sign(), "--issuer", issuer.origin);
    expect(slash.code).toBe(1);
    expect(slash.stdout).toContain("differ only in the trailing slash");
  });

  it("explains an opaque token (Auth0 without audience)", async () => {
    const { code, stdout } = await inspect("Xy7rT2kLmN0pQ4sV8wZ1aB3cD5eF6gH", ...config);
    expect(code).toBe(1);
    expect(stdout).toContain("opaque token: not a JWT");
    expect(stdout).toContain(
      `names no audience. Request the token with audience: "${issuer.audience}"`,
    );
    expect(stdout).toContain("reason opaque_token");
  });

  it("explains a JWE (Auth0 alg dir without audience)", async () => {
    const header = Buffer.from('{"alg":"dir","enc":"A256GCM"}').toString("base64url");
    const { code, stdout } = await inspect(`${header}..aXY.Y2lwaGVy.dGFn`, ...config);
    expect(code).toBe(1);
    expect(stdout).toContain('encrypted token (JWE, alg "dir", enc "A256GCM")');
    expect(stdout).toContain("names no audience");
  });

  it("explains an ID token sent instead of an access token", async () => {
    const token = await issuer.sign({ aud: "my-client-id", nonce: "n-0S6", auth_time: now() });
    const { code, stdout } = await inspect(token, ...config);
    expect(code).toBe(1);
    expect(stdout).toContain(
      "this looks like an ID token, not an access token (it has nonce, auth_time)",
    );
    expect(stdout).toContain(
      `expected audience "${issuer.audience}", the token has "my-client-id"`,
    );
    expect(stdout).toContain("reason id_token");
  });

  it("notes a DPoP-bound token without failing it", async () => {
    const key = await issuer.dpopKey();
    const { code, stdout } = await inspect(
      await issuer.sign({}, { dpopJkt: key.thumbprint }),
      ...config,
    );
    expect(code).toBe(0);
    expect(stdout).toContain(`ℹ DPoP-bound token (cnf.jkt "${key.thumbprint}")`);
    expect(stdout).toContain("Authorization: DPoP <token>");
  });

  it("refuses symmetric and unsigned algorithms", async () => {
    const hs = await inspect(await issuer.sign({}, { header: { alg: "HS256" } }), ...config);
    expect(hs.code).toBe(1);
    expect(hs.stdout).toContain('symmetric algorithm (alg "HS256")');
    const none = await inspect(await issuer.sign({}, { header: { alg: "none" } }), ...config);
    expect(none.code).toBe(1);
    expect(none.stdout).toContain('unsigned token (alg "none")');
    expect(none.stdout).toContain("reason algorithm_not_allowed");
  });

  it("recognises a DPoP proof pasted instead of the token", async () => {
    const key = await issuer.dpopKey();
    const proof = await issuer.dpopProof({ key, method: "GET", url: "http://127.0.0.1/x" });
    const { code, stdout } = await inspect(proof, ...config);
    expect(code).toBe(1);
    expect(stdout).toContain('this is a DPoP proof (typ "dpop+jwt")');
  });

  it("escapes terminal control characters from the token", async () => {
    const { stdout } = await inspect(await issuer.sign({ sub: "\u001b[31mred" }), ...config);
    expect(stdout).not.toContain("\u001b");
    expect(stdout).toContain("\\u001b[31mred");
  });

  it("reads the configuration from the environment, AUTH0_* first", async () => {
    const token = await issuer.sign();
    const scopegate = await run(["inspect", token], {
      SCOPEGATE_ISSUER: issuer.url,
      SCOPEGATE_AUDIENCE: issuer.audience,
    });
    expect(scopegate.code).toBe(0);
    expect(scopegate.stdout).toContain(`issuer ${issuer.url} (from SCOPEGATE_ISSUER)`);
    const auth0 = await run(["inspect", token], {
      AUTH0_DOMAIN: "tenant.us.auth0.com",
      AUTH0_AUDIENCE: "https://api.example.com",
      SCOPEGATE_ISSUER: issuer.url,
    });
    expect(auth0.code).toBe(1);
    expect(auth0.stdout).toContain("issuer https://tenant.us.auth0.com/ (from AUTH0_DOMAIN)");
    expect(auth0.stdout).toContain("audience https://api.example.com (from AUTH0_AUDIENCE)");
  });

  it("checks the token alone when nothing is configured, and reads it from stdin", async () => {
    const token = await issuer.sign();
    const { code, stdout } = await run(["inspect", "-"], {}, `Bearer ${token}\n`);
    expect(code).toBe(0);
    expect(stdout).toContain("no issuer (give --issuer URL or --domain HOST");
    expect(stdout).toContain("no problem found in the token itself");
  });

  it("--verify runs the real check: valid, and a forged signature", async () => {
    const good = await inspect(await issuer.sign(), ...config, "--verify");
    expect(good.code).toBe(0);
    expect(good.stdout).toContain("Verify: valid");
    const { privateKey } = await generateKeyPair("RS256");
    const forged = await issuer.sign({}, { alg: "RS256", key: privateKey });
    const bad = await inspect(forged, ...config, "--verify");
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain("Result: no problem found");
    expect(bad.stdout).toContain("Verify: 401 invalid_token (reason invalid_signature)");
  });

  it("answers usage errors with exit code 2", async () => {
    expect((await run(["inspect"])).code).toBe(2);
    expect((await run(["inspect", "a", "b"])).code).toBe(2);
    expect((await run(["inspect", "abc", "--verify"])).stderr).toContain("--verify needs");
    const domain = await run(["inspect", "abc"], { AUTH0_DOMAIN: "https://tenant.auth0.com" });
    expect(domain.code).toBe(2);
    expect(domain.stderr).toContain('must be a bare host, not https://…; use "tenant.auth0.com"');
  });
});
