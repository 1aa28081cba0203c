/**
 * RFC 8705 certificate-bound tokens over a real node:https server (client certificates made
 * with openssl in the test), and behind a TLS-terminating proxy (the certificate header).
 */
import { createServer as createHttpServer, request as httpRequest, type Server } from "node:http";
import { createServer as createHttpsServer, request as httpsRequest } from "node:https";
import type { AddressInfo } from "node:net";
import { initTRPC } from "@trpc/server";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import { createSchema, createYoga } from "graphql-yoga";
import { type AuthOptions, createAuth } from "scopegate";
import { authDirective, authDirectiveTypeDefs, useAuth } from "scopegate/graphql";
import { createTestIssuer, type TestIssuer } from "scopegate/testing";
import { errorFormatter, requireAuth } from "scopegate/trpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Certs, findOpenssl, makeCerts, type Pem } from "./support/certs.js";

const openssl = findOpenssl();
// On CI (.ci/run installs openssl) a missing openssl fails the run instead of skipping.
if (!openssl && process.env.CI) {
  throw new Error("test/e2e/mtls.test.ts needs the openssl program (apt-get install -y openssl)");
}
if (!openssl) {
  process.stderr.write(
    "\nSKIPPED test/e2e/mtls.test.ts: needs the openssl program to make test certificates (apt-get install -y openssl)\n",
  );
}

let issuer: TestIssuer;
let certs: Certs;
const servers: Server[] = [];

function apiHandler(options: Partial<AuthOptions>) {
  const auth = createAuth({
    issuer: issuer.url,
    audience: issuer.audience,
    logger: false,
    introspection: issuer.introspectionClient,
    ...options,
  } as AuthOptions);
  const t = initTRPC.context<typeof auth.createAuthContext>().create({ errorFormatter });
  const router = t.router({
    me: t.procedure.use(requireAuth()).query(({ ctx }) => ctx.claims.sub ?? null),
  });
  return { auth, handler: createHTTPHandler({ router, createContext: auth.createAuthContext }) };
}

async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

/** An https server asking for a client certificate (any, not CA-checked: RFC 8705 §3). */
async function httpsApi(options: Partial<AuthOptions> = {}): Promise<number> {
  const { handler } = apiHandler(options);
  const server = createHttpsServer(
    {
      key: certs.server.key,
      cert: certs.server.cert,
      requestCert: true,
      rejectUnauthorized: false,
    },
    handler,
  );
  return listen(server);
}

/** A plain http server as the backend of a TLS-terminating proxy. */
async function httpApi(options: Partial<AuthOptions>): Promise<number> {
  return listen(createHttpServer(apiHandler(options).handler));
}

interface Answer {
  status: number;
  challenge: string | undefined;
  body: string;
}

function call(
  port: number,
  token: string,
  init: { client?: Pem; headers?: Record<string, string>; tls?: boolean } = {},
): Promise<Answer> {
  const tls = init.tls ?? true;
  return new Promise((resolve, reject) => {
    const options = {
      host: "127.0.0.1",
      port,
      path: "/me",
      method: "GET",
      agent: false as const, // a fresh connection (and TLS session) per call
      headers: { authorization: `Bearer ${token}`, ...init.headers },
      ...(tls
        ? {
            ca: certs.ca.cert,
            ...(init.client ? { key: init.client.key, cert: init.client.cert } : {}),
          }
        : {}),
    };
    const req = (tls ? httpsRequest : httpRequest)(options, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        body += c;
      });
      res.on("end", () => {
        const challenge = res.headers["www-authenticate"];
        resolve({
          status: res.statusCode ?? 0,
          challenge: Array.isArray(challenge) ? challenge[0] : challenge,
          body,
        });
      });
    });
    req.on("error", reject);
    req.end();
  });
}

const bound = (pem: Pem, claims: Record<string, unknown> = {}) =>
  issuer.sign({ sub: "auth0|mtls", ...claims, cnf: { "x5t#S256": pem.thumbprint } });

beforeAll(async () => {
  if (!openssl) return;
  certs = makeCerts(openssl);
  issuer = await createTestIssuer();
});
afterAll(async () => {
  await Promise.all(
    servers.map(
      (s) =>
        new Promise<void>((resolve) => {
          s.closeAllConnections?.();
          s.close(() => resolve());
        }),
    ),
  );
  await issuer?.close();
});

describe.skipIf(!openssl)("mTLS certificate-bound tokens over node:https (RFC 8705 §3)", () => {
  it("answers 200 with the certificate the token is bound to", async () => {
    const port = await httpsApi();
    const a = await call(port, await bound(certs.alice), { client: certs.alice });
    expect(a).toMatchObject({ status: 200 });
    expect(a.body).toContain("auth0|mtls");
  });

  it("answers 401 invalid_token with another certificate, and without one", async () => {
    const port = await httpsApi();
    const token = await bound(certs.alice);
    const other = await call(port, token, { client: certs.bob });
    expect(other.status).toBe(401);
    expect(other.challenge).toContain('error="invalid_token"');
    expect(other.challenge).toContain("does not match the token binding");
    const none = await call(port, token);
    expect(none.status).toBe(401);
    expect(none.challenge).toContain("without a client certificate");
  });

  it("leaves unbound tokens alone in allowed mode; required refuses them; disabled ignores cnf", async () => {
    const allowed = await httpsApi();
    const plain = await issuer.sign({ sub: "auth0|plain" });
    expect((await call(allowed, plain)).status).toBe(200);
    expect((await call(allowed, plain, { client: certs.bob })).status).toBe(200);

    const required = await httpsApi({ mtls: { mode: "required" } });
    const r = await call(required, plain, { client: certs.bob });
    expect(r.status).toBe(401);
    expect(r.challenge).toContain("not bound to a client certificate");
    expect((await call(required, await bound(certs.bob), { client: certs.bob })).status).toBe(200);

    const disabled = await httpsApi({ mtls: { mode: "disabled" } });
    expect((await call(disabled, await bound(certs.alice))).status).toBe(200);
  });

  it("checks the binding of a cached token on every request", async () => {
    const port = await httpsApi();
    const token = await bound(certs.alice);
    expect((await call(port, token, { client: certs.alice })).status).toBe(200);
    expect((await call(port, token, { client: certs.bob })).status).toBe(401);
    expect((await call(port, token, { client: certs.alice })).status).toBe(200);
  });

  it("checks cnf x5t#S256 of an introspected opaque token", async () => {
    const port = await httpsApi();
    const token = issuer.opaqueToken({
      sub: "auth0|opaque",
      cnf: { "x5t#S256": certs.alice.thumbprint },
    });
    expect((await call(port, token, { client: certs.alice })).status).toBe(200);
    expect((await call(port, token, { client: certs.bob })).status).toBe(401);
  });
});

describe.skipIf(!openssl)("mTLS behind a TLS-terminating proxy: the certificate header", () => {
  const envoy = (pem: Pem) => ({
    "x-forwarded-client-cert": `By=spiffe://proxy;Hash=0000;Cert="${encodeURIComponent(pem.cert)}";Subject="CN=alice,O=Example, Inc."`,
  });
  const nginx = (pem: Pem) => ({ "x-ssl-client-cert": encodeURIComponent(pem.cert) });
  const rfc9440 = (pem: Pem) => ({
    "client-cert": `:${pem.cert.replace(/-----[^-]+-----|\s/g, "")}:`,
  });

  it("reads Envoy's x-forwarded-client-cert from a trusted hop: matching 200, other 401, none 401", async () => {
    const port = await httpApi({
      trustProxy: true,
      mtls: { certificateHeader: "X-Forwarded-Client-Cert" },
    });
    const token = await bound(certs.alice);
    expect((await call(port, token, { tls: false, headers: envoy(certs.alice) })).status).toBe(200);
    expect((await call(port, token, { tls: false, headers: envoy(certs.bob) })).status).toBe(401);
    expect((await call(port, token, { tls: false })).status).toBe(401);
  });

  it("reads nginx's URL-encoded PEM and RFC 9440 Client-Cert", async () => {
    const viaNginx = await httpApi({
      trustProxy: 1,
      mtls: { certificateHeader: "x-ssl-client-cert" },
    });
    const viaRfc = await httpApi({
      trustProxy: (ip) => ip === "127.0.0.1",
      mtls: { certificateHeader: "client-cert" },
    });
    const token = await bound(certs.bob);
    expect((await call(viaNginx, token, { tls: false, headers: nginx(certs.bob) })).status).toBe(
      200,
    );
    expect((await call(viaNginx, token, { tls: false, headers: nginx(certs.alice) })).status).toBe(
      401,
    );
    expect((await call(viaRfc, token, { tls: false, headers: rfc9440(certs.bob) })).status).toBe(
      200,
    );
    expect((await call(viaRfc, token, { tls: false, headers: rfc9440(certs.alice) })).status).toBe(
      401,
    );
  });

  it("uses Envoy's Hash= when no Cert= is forwarded", async () => {
    const port = await httpApi({
      trustProxy: true,
      mtls: { certificateHeader: "x-forwarded-client-cert" },
    });
    const hex = Buffer.from(certs.alice.thumbprint, "base64url").toString("hex");
    const token = await bound(certs.alice);
    expect(
      (
        await call(port, token, {
          tls: false,
          headers: { "x-forwarded-client-cert": `Hash=${hex}` },
        })
      ).status,
    ).toBe(200);
  });

  it("ignores a spoofed header from an untrusted hop", async () => {
    const untrusted = await httpApi({ mtls: { certificateHeader: "x-forwarded-client-cert" } });
    const denied = await httpApi({
      trustProxy: () => false,
      mtls: { certificateHeader: "x-forwarded-client-cert" },
    });
    const token = await bound(certs.alice);
    for (const port of [untrusted, denied]) {
      const a = await call(port, token, { tls: false, headers: envoy(certs.alice) });
      expect(a.status).toBe(401);
      expect(a.challenge).toContain("without a client certificate");
    }
  });

  it("works with a Fetch Request (graphql-yoga) through the header only", async () => {
    const auth = createAuth({
      issuer: issuer.url,
      audience: issuer.audience,
      logger: false,
      trustProxy: true,
      mtls: { certificateHeader: "x-ssl-client-cert" },
    });
    const yoga = createYoga({
      schema: authDirective(
        createSchema({
          typeDefs: [authDirectiveTypeDefs, "type Query { me: String @auth }"],
          resolvers: { Query: { me: () => "me" } },
        }),
      ),
      plugins: [useAuth(auth)],
      logging: false,
    });
    const token = await bound(certs.alice);
    const ask = (headers: Record<string, string>) =>
      yoga.fetch("http://localhost/graphql", {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${token}`,
          ...headers,
        },
        body: JSON.stringify({ query: "{ me }" }),
      });
    expect((await ask(nginx(certs.alice))).status).toBe(200);
    expect((await ask(nginx(certs.bob))).status).toBe(401);
    expect((await ask({})).status).toBe(401);
  });

  it("advertises tls_client_certificate_bound_access_tokens unless mtls is disabled", () => {
    const base = {
      issuer: issuer.url,
      audience: "https://api.example.test",
      resourceMetadata: true as const,
    };
    expect(createAuth(base).resourceMetadata?.document).toMatchObject({
      tls_client_certificate_bound_access_tokens: true,
    });
    expect(
      createAuth({ ...base, mtls: { mode: "disabled" } }).resourceMetadata?.document,
    ).not.toHaveProperty("tls_client_certificate_bound_access_tokens");
  });
});
