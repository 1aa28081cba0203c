import { request } from "node:http";
import { createRemoteJWKSet, decodeJwt, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createTestIssuer,
  type DevTokenResponse,
  type TestIssuer,
} from "../../src/testing/index.js";

/** One issuer for every test: the endpoint keeps no state between requests. */
let dev: TestIssuer;
beforeAll(async () => {
  dev = await createTestIssuer({ devEndpoints: true, audience: "https://api.dev.test" });
});
afterAll(() => dev.close());

async function post(issuer: TestIssuer, body: unknown) {
  const res = await fetch(`${issuer.origin}/dev/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return {
    status: res.status,
    headers: res.headers,
    body: (await res.json()) as Record<string, unknown>,
  };
}

describe("createTestIssuer({ devEndpoints: true }): POST /dev/token", () => {
  it("is absent by default", async () => {
    const issuer = await createTestIssuer();
    try {
      expect((await post(issuer, {})).status).toBe(404);
    } finally {
      await issuer.close();
    }
  });

  it("mints a token with the default claims and the issuer's lifetime", async () => {
    const res = await post(dev, {});
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const answer = res.body as unknown as DevTokenResponse;
    expect(answer).toMatchObject({ token_type: "Bearer", expires_in: 3600 });
    const { payload } = await jwtVerify(
      answer.access_token,
      createRemoteJWKSet(new URL(dev.jwksUri)),
      {
        issuer: dev.url,
        audience: "https://api.dev.test",
      },
    );
    expect(payload.sub).toBe("auth0|test-user");
  });

  it("applies claims (null removes one), expiresIn and dpopJkt", async () => {
    const key = await dev.dpopKey();
    const res = await post(dev, {
      claims: {
        scope: "read:messages",
        permissions: ["delete:users"],
        sub: "auth0|bob",
        jti: null,
      },
      expiresIn: -60,
      dpopJkt: key.thumbprint,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ token_type: "DPoP", expires_in: -60 });
    const claims = decodeJwt(String(res.body.access_token));
    expect(claims).toMatchObject({
      scope: "read:messages",
      permissions: ["delete:users"],
      sub: "auth0|bob",
      cnf: { jkt: key.thumbprint },
    });
    expect(claims.jti).toBeUndefined();
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(-60);
  });

  it.each([
    ["not JSON", "{", "not JSON"],
    ["an array", "[]", "JSON object"],
    ["an unknown member", { expires_in: 5 }, 'unknown member "expires_in"'],
    ["claims not an object", { claims: "scope" }, "claims must be"],
    ["a fractional expiresIn", { expiresIn: 1.5 }, "expiresIn must be"],
    ["a bad dpopJkt", { dpopJkt: "abc" }, "dpopJkt must be"],
  ])("answers 400 to %s", async (_name, body, message) => {
    const res = await post(dev, body);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe("invalid_request");
    expect(String(res.body.error_description)).toContain(message);
  });

  it("refuses a non-loopback Host header (DNS rebinding) and is not counted in hits", async () => {
    dev.resetHits();
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = request(
        `${dev.origin}/dev/token`,
        {
          method: "POST",
          headers: { host: "evil.example:4400", "content-type": "application/json" },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode);
        },
      );
      req.once("error", reject);
      req.end("{}");
    });
    expect(status).toBe(403);
    expect(dev.hits).toEqual({ discovery: 0, jwks: 0, token: 0, introspection: 0 });
  });

  it("only answers POST", async () => {
    const res = await fetch(`${dev.origin}/dev/token`);
    expect(res.status).toBe(404);
    await res.body?.cancel();
  });
});
