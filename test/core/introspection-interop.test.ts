/**
 * Interop: scopegate introspects opaque access tokens issued by node-oidc-provider (a
 * certified OpenID provider with its own RFC 7662 endpoint), over real HTTP on 127.0.0.1.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWK } from "jose";
import Provider from "oidc-provider";
import { type AuthOptions, createAuth, isAuthError } from "scopegate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const AUDIENCE = "https://api.example.test";
let server: Server;
let issuer: string;
let apiPrivateKey: JWK;

beforeAll(async () => {
  const { publicKey, privateKey } = await generateKeyPair("ES256", { extractable: true });
  apiPrivateKey = { ...(await exportJWK(privateKey)), alg: "ES256", kid: "api-key" };
  server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const none = { redirect_uris: [], response_types: [] };
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: "app",
        client_secret: "app-secret",
        grant_types: ["client_credentials"],
        token_endpoint_auth_method: "client_secret_post",
        ...none,
      },
      { client_id: "api-basic", client_secret: "basic-secret", grant_types: [], ...none },
      {
        client_id: "api-post",
        client_secret: "post-secret",
        grant_types: [],
        token_endpoint_auth_method: "client_secret_post",
        ...none,
      },
      {
        client_id: "api-jwt",
        grant_types: [],
        token_endpoint_auth_method: "private_key_jwt",
        token_endpoint_auth_signing_alg: "ES256",
        jwks: { keys: [{ ...(await exportJWK(publicKey)), alg: "ES256", kid: "api-key" }] },
        ...none,
      },
    ],
    scopes: ["read:items", "write:items"],
    features: {
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      devInteractions: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => AUDIENCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: "read:items write:items",
          audience: AUDIENCE,
          accessTokenFormat: "opaque",
          accessTokenTTL: 300,
        }),
      },
    },
    ttl: { ClientCredentials: 300 },
  });
  server.on("request", provider.callback());
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
});

async function clientCredentials(scope: string): Promise<string> {
  const res = await fetch(`${issuer}/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: "app",
      client_secret: "app-secret",
      scope,
      resource: AUDIENCE,
    }),
  });
  const body = (await res.json()) as { access_token: string };
  expect(res.status).toBe(200);
  return body.access_token;
}

const authWith = (introspection: NonNullable<AuthOptions["introspection"]>) =>
  createAuth({ issuer, audience: AUDIENCE, logger: false, introspection });

describe("interop: opaque tokens of node-oidc-provider", () => {
  it("introspects with client_secret_basic, client_secret_post and private_key_jwt", async () => {
    const token = await clientCredentials("read:items");
    expect(token).not.toContain(".");
    const clients = [
      authWith({ clientId: "api-basic", clientSecret: "basic-secret" }),
      authWith({
        clientId: "api-post",
        clientSecret: "post-secret",
        clientAuth: "client_secret_post",
      }),
      authWith({ clientId: "api-jwt", clientAuth: "private_key_jwt", privateKey: apiPrivateKey }),
    ];
    for (const auth of clients) {
      const claims = await auth.verify(token);
      expect(claims).toMatchObject({
        iss: issuer,
        aud: AUDIENCE,
        client_id: "app",
        scope: "read:items",
      });
      expect(auth.stats.introspections).toBe(1);
    }
  });

  it("refuses a revoked token (401) and answers 503 for a client the provider refuses", async () => {
    const token = await clientCredentials("read:items write:items");
    const auth = authWith({ clientId: "api-basic", clientSecret: "basic-secret", cache: false });
    await expect(auth.verify(token)).resolves.toMatchObject({ scope: "read:items write:items" });
    const revoked = await fetch(`${issuer}/token/revocation`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token, client_id: "app", client_secret: "app-secret" }),
    });
    expect(revoked.status).toBe(200);
    const refusal = await auth.verify(token).catch((e: unknown) => e);
    expect(isAuthError(refusal) && [refusal.status, refusal.reason]).toEqual([
      401,
      "token_inactive",
    ]);

    const wrong = authWith({ clientId: "api-basic", clientSecret: "not-the-secret" });
    const outage = await wrong
      .verify(await clientCredentials("read:items"))
      .catch((e: unknown) => e);
    expect(isAuthError(outage) && [outage.status, outage.code]).toEqual([
      503,
      "temporarily_unavailable",
    ]);
  });
});
