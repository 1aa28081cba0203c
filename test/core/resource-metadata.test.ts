import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AuthError, ConfigurationError, createAuth } from "../../src/index.js";
import { createTestIssuer, type TestIssuer } from "../../src/testing/index.js";

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer();
});
afterAll(() => issuer.close());

/** Parses `WWW-Authenticate` into challenges (RFC 9110 §11.6.1, quoted-string params only). */
function parseChallenges(
  header: string,
): Array<{ scheme: string; params: Record<string, string> }> {
  const out: Array<{ scheme: string; params: Record<string, string> }> = [];
  const re = /\s*([A-Za-z][\w-]*)(?=\s+[\w-]+=)|,?\s*([\w-]+)="((?:[^"\\]|\\.)*)"/g;
  for (let m = re.exec(header); m; m = re.exec(header)) {
    if (m[1]) out.push({ scheme: m[1], params: {} });
    else if (m[2]) {
      const current = out.at(-1);
      if (current) current.params[m[2]] = (m[3] ?? "").replace(/\\(.)/g, "$1");
    }
  }
  return out;
}

describe("RFC 9728 protected resource metadata", () => {
  it("serves the document and advertises it in every challenge (real HTTP)", async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const base = `http://127.0.0.1:${port}`;
    const auth = createAuth({
      issuer: issuer.url,
      audience: `${base}/api`,
      resourceMetadata: { scopesSupported: ["read:messages"], resourceName: "Demo API" },
    });
    const meta = auth.resourceMetadata;
    expect(meta?.url).toBe(`${base}/.well-known/oauth-protected-resource/api`);
    const server = createServer(async (req, res) => {
      if (meta && req.url === meta.path) {
        const r = meta.response();
        res.writeHead(r.status, Object.fromEntries(r.headers)).end(await r.text());
        return;
      }
      const { auth: state } = auth.createAuthContext({ req, res });
      await state.require().then(
        () => res.end("ok"),
        (e: AuthError) => res.writeHead(e.status).end(JSON.stringify(e)),
      );
    });
    server.listen(port, "127.0.0.1");
    await once(server, "listening");
    try {
      const denied = await fetch(`${base}/api/things`);
      expect(denied.status).toBe(401);
      const challenges = parseChallenges(denied.headers.get("www-authenticate") ?? "");
      expect(challenges.map((c) => c.scheme)).toEqual(["Bearer", "DPoP"]);
      expect(challenges[0]?.params).toEqual({ realm: "api", resource_metadata: meta?.url });
      expect(challenges[1]?.params.resource_metadata).toBe(meta?.url);

      const doc = await fetch(challenges[0]?.params.resource_metadata ?? "");
      expect(doc.headers.get("content-type")).toBe("application/json");
      expect(await doc.json()).toEqual({
        resource: `${base}/api`,
        authorization_servers: [issuer.url],
        scopes_supported: ["read:messages"],
        bearer_methods_supported: ["header"],
        dpop_signing_alg_values_supported: [
          "RS256",
          "RS384",
          "RS512",
          "PS256",
          "PS384",
          "PS512",
          "ES256",
          "ES384",
          "ES512",
          "EdDSA",
          "Ed25519",
        ],
        dpop_bound_access_tokens_required: false,
        tls_client_certificate_bound_access_tokens: true,
        resource_name: "Demo API",
      });
      const token = await issuer.sign({ aud: `${base}/api` });
      expect(
        (await fetch(`${base}/api/things`, { headers: { authorization: `Bearer ${token}` } }))
          .status,
      ).toBe(200);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it("a non-URL audience needs resourceMetadata.resource", () => {
    expect(() =>
      createAuth({ issuer: issuer.url, audience: "urn:api", resourceMetadata: true }),
    ).toThrow(ConfigurationError);
    const auth = createAuth({
      issuer: issuer.url,
      audience: "urn:api",
      resourceMetadata: { resource: "https://api.example.com" },
    });
    expect(auth.resourceMetadata?.url).toBe(
      "https://api.example.com/.well-known/oauth-protected-resource",
    );
  });
});
