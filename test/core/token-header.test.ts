import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Auth, createAuth } from "../../src/index.js";
import { createTestIssuer, type TestIssuer } from "../../src/testing/index.js";

// The access-token header checks (src/core/token-header.ts) at their edges, each refusal with
// its exact description and reason (these survived mutation testing before).
let issuer: TestIssuer;
let auth: Auth<unknown>;
let strict: Auth<unknown>;
beforeAll(async () => {
  issuer = await createTestIssuer();
  auth = createAuth({ issuer: issuer.url, audience: issuer.audience, algorithms: ["RS256"] });
  strict = createAuth({ issuer: issuer.url, audience: issuer.audience, strict: true });
});
afterAll(() => issuer.close());

const sign = (header: Record<string, unknown>, claims: Record<string, unknown> = {}) =>
  issuer.sign({ sub: "s", client_id: "c", jti: "j", ...claims }, { header });

const refused = (description: string, reason: string) => ({
  status: 401,
  code: "invalid_token",
  description,
  reason,
});

describe("access-token header checks", () => {
  it("typ: JWT, at+jwt and application/at+jwt (any case) are access-token types", async () => {
    for (const typ of ["JWT", "jwt", "at+jwt", "application/at+jwt", "Application/JWT"]) {
      await expect(auth.verify(await sign({ typ }))).resolves.toMatchObject({ sub: "s" });
    }
  });

  it("typ: anything else is refused, application/ is stripped only as a prefix", async () => {
    for (const typ of ["jwtapplication/", "JOSE", "", "dpop+jwt", "xapplication/jwt"]) {
      await expect(auth.verify(await sign({ typ }))).rejects.toMatchObject(
        refused("token type is not an access token", "wrong_token_type"),
      );
    }
  });

  it("strict (RFC 9068): typ must be at+jwt", async () => {
    await expect(strict.verify(await sign({ typ: "at+jwt" }))).resolves.toMatchObject({ sub: "s" });
    await expect(strict.verify(await sign({ typ: "JWT" }))).rejects.toMatchObject(
      refused("token type must be at+jwt (RFC 9068)", "wrong_token_type"),
    );
  });

  it("alg outside the accepted list is refused before any key work", async () => {
    const es = await issuer.sign({ sub: "s" }, { alg: "ES256" });
    await expect(auth.verify(es)).rejects.toMatchObject(
      refused("token algorithm is not accepted", "algorithm_not_allowed"),
    );
  });

  it("kid: at most 256 characters", async () => {
    // A 256-character kid passes the header check (and then finds no key); 257 is malformed.
    await expect(auth.verify(await sign({ kid: "k".repeat(256) }))).rejects.toMatchObject(
      refused("no key of the issuer matches the token", "no_matching_key"),
    );
    await expect(auth.verify(await sign({ kid: "k".repeat(257) }))).rejects.toMatchObject(
      refused("malformed token header: bad kid", "malformed_token"),
    );
    await expect(auth.verify(await sign({ kid: 7 }))).rejects.toMatchObject(
      refused("malformed token header: bad kid", "malformed_token"),
    );
  });

  it("cty, crit and b64 are refused", async () => {
    await expect(auth.verify(await sign({ cty: "JWT" }))).rejects.toMatchObject(
      refused("nested or content-typed tokens are not accepted", "nested_token"),
    );
    for (const header of [
      { crit: ["exp"], exp: 1 },
      { b64: false, crit: ["b64"] },
      { b64: true },
    ]) {
      await expect(auth.verify(await sign(header))).rejects.toMatchObject(
        refused("unsupported token header", "unsupported_header"),
      );
    }
  });
});
