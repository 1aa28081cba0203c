import { createTestIssuer, type TestIssuer } from "scopegate/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authFor, codes, post, yogaFor } from "./fixtures.js";

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer();
});
afterAll(async () => {
  await issuer.close();
});

const introspecting = (extra = {}) =>
  authFor(issuer, { introspection: { ...issuer.introspectionClient }, logger: false, ...extra });

describe("GraphQL with opaque tokens (RFC 7662 introspection), yoga.fetch", () => {
  it("answers 200 for an active token with the scope, 403 without it", async () => {
    const yoga = yogaFor(introspecting());
    const ok = await post(
      yoga,
      { query: "{ messages { id } }" },
      { token: issuer.opaqueToken({ scope: "read:messages" }) },
    );
    expect(ok.status).toBe(200);
    expect(ok.body.errors).toBeUndefined();
    const denied = await post(
      yoga,
      { query: "{ messages { id } }" },
      { token: issuer.opaqueToken({ scope: "read:other" }) },
    );
    expect(denied.status).toBe(403);
    expect(codes(denied)).toEqual(["FORBIDDEN"]);
  });

  it("answers 401 for a revoked token and 503 when the endpoint is down", async () => {
    const yoga = yogaFor(introspecting());
    const revoked = issuer.opaqueToken({ scope: "read:messages" });
    issuer.revoke(revoked);
    const a = await post(yoga, { query: "{ me { id } }" }, { token: revoked });
    expect(a.status).toBe(401);
    expect(a.headers.get("www-authenticate")).toContain('error="invalid_token"');
    issuer.fail("500", { endpoints: ["introspection"] });
    try {
      const b = await post(yoga, { query: "{ me { id } }" }, { token: issuer.opaqueToken() });
      expect(b.status).toBe(503);
      expect(b.headers.get("retry-after")).toBe("5");
      expect(codes(b)).toEqual(["SERVICE_UNAVAILABLE"]);
    } finally {
      issuer.fail(null);
    }
  });

  it("makes 1 000 concurrent requests with one new token cost one introspection", async () => {
    const auth = introspecting();
    const yoga = yogaFor(auth);
    issuer.resetHits();
    const token = issuer.opaqueToken({ scope: "read:messages" });
    const answers = await Promise.all(
      Array.from({ length: 1000 }, () => post(yoga, { query: "{ messages { id } }" }, { token })),
    );
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(issuer.hits.introspection).toBe(1);
    expect(auth.stats.introspections).toBe(1);
  });

  it("accepts a DPoP-bound opaque token with its proof, refuses it as Bearer", async () => {
    const yoga = yogaFor(introspecting({ dpop: { mode: "allowed" } }));
    const key = await issuer.dpopKey();
    const token = issuer.opaqueToken({ scope: "read:messages" }, { dpopJkt: key.thumbprint });
    const url = "http://localhost/graphql";
    const proof = await issuer.dpopProof({ key, method: "POST", url, accessToken: token });
    const ok = await post(
      yoga,
      { query: "{ messages { id } }" },
      { authorization: `DPoP ${token}`, headers: { dpop: proof } },
    );
    expect(ok.status).toBe(200);
    const asBearer = await post(yoga, { query: "{ messages { id } }" }, { token });
    expect(asBearer.status).toBe(401);
    expect(asBearer.headers.get("www-authenticate")).toContain("DPoP-bound access token");
  });
});
