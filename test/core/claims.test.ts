/**
 * The registered-claim checks (RFC 7519 §4.1) through `auth.verify`: each refusal with its
 * exact `error_description` and reason, since the description is what a developer reads in
 * `WWW-Authenticate` (the attack catalogue pins the reasons only). Mutation testing found the
 * descriptions and the ID-token hint unpinned (issue 18).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AuthError, type AuthOptions, createAuth } from "../../src/index.js";
import { createTestIssuer, type TestIssuer } from "../../src/testing/index.js";

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer();
});
afterAll(() => issuer.close());

const now = () => Math.floor(Date.now() / 1000);

async function refusal(claims: Record<string, unknown>, extra: Partial<AuthOptions> = {}) {
  const auth = createAuth({
    issuer: issuer.url,
    audience: issuer.audience,
    jwksUri: issuer.jwksUri,
    ...extra,
  } as AuthOptions);
  const token = await issuer.sign(claims);
  const e = (await auth.verify(token).then(
    () => null,
    (x: AuthError) => x,
  )) as AuthError | null;
  return e && { status: e.status, reason: e.reason, description: e.description };
}

describe("claim refusals say what is wrong", () => {
  const rows: [string, Record<string, unknown>, Partial<AuthOptions>, string, string][] = [
    ["no exp", { exp: undefined }, {}, "missing_claim", "missing required claim exp"],
    ["exp as a string", { exp: "4102444800" }, {}, "invalid_claims", "invalid exp claim"],
    ["expired", { exp: now() - 600 }, {}, "token_expired", "token expired"],
    ["nbf as a string", { nbf: "0" }, {}, "invalid_claims", "invalid nbf claim"],
    [
      "nbf in the future",
      { nbf: now() + 600 },
      {},
      "token_not_yet_valid",
      "token is not yet valid",
    ],
    ["iat as a string", { iat: "0" }, {}, "invalid_claims", "invalid iat claim"],
    [
      "iat in the future",
      { iat: now() + 600 },
      {},
      "token_issued_in_future",
      "token issued in the future",
    ],
    [
      "older than maxTokenAge",
      { iat: now() - 600 },
      { maxTokenAge: 60 },
      "token_too_old",
      "token is too old",
    ],
    [
      "a required claim missing",
      { sub: undefined },
      { requiredClaims: ["sub"] },
      "missing_claim",
      "missing required claim sub",
    ],
    [
      "another audience",
      { aud: "https://other.example/" },
      {},
      "audience_mismatch",
      "token audience is not accepted; expected ",
    ],
  ];
  for (const [name, claims, extra, reason, description] of rows) {
    it(`${name} → 401 ${reason}: "${description}…"`, async () => {
      const e = await refusal(claims, extra);
      expect(e).toMatchObject({ status: 401, reason });
      expect(e?.description.startsWith(description)).toBe(true);
      if (reason !== "audience_mismatch") expect(e?.description).toBe(description);
    });
  }

  it("the audience refusal names the accepted audiences, joined by 'or'", async () => {
    const e = await refusal(
      { aud: "https://other.example/" },
      { audience: [issuer.audience, "https://second.example/"] },
    );
    expect(e?.description).toBe(
      `token audience is not accepted; expected ${issuer.audience} or https://second.example/`,
    );
  });
});

describe("an ID token sent as an access token is named as such", () => {
  const hint = "this looks like an ID token; send the access token instead";
  for (const claim of ["nonce", "at_hash", "auth_time"]) {
    it(`aud is the client id and the token carries ${claim} alone → 401 id_token`, async () => {
      const value = claim === "auth_time" ? now() - 5 : "x";
      const e = await refusal({ aud: "client-id", [claim]: value });
      expect(e).toEqual({ status: 401, reason: "id_token", description: hint });
    });
    it(`${claim} with our audience is no refusal (only the audience mismatch is explained)`, async () => {
      const value = claim === "auth_time" ? now() - 5 : "x";
      expect(await refusal({ [claim]: value })).toBeNull();
    });
  }
  it("a foreign audience without any OIDC-only claim is an audience mismatch", async () => {
    expect(await refusal({ aud: "client-id" })).toMatchObject({ reason: "audience_mismatch" });
  });
});
