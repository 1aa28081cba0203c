/**
 * createAuth({ organization }) — Auth0 Organizations checked like the issuer, on every
 * request (cached tokens too), through a real tRPC client over a real standalone server.
 */
import { createTRPCClient, httpLink } from "@trpc/client";
import { initTRPC } from "@trpc/server";
import { ConfigurationError, createAuth, type OrganizationResolver } from "scopegate";
import { createTestIssuer, type TestIssuer } from "scopegate/testing";
import { errorFormatter, requireAuth } from "scopegate/trpc";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { failure } from "../trpc/support/client.js";
import { type RunningServer, startServer } from "../trpc/support/servers.js";

let issuer: TestIssuer;
const servers: RunningServer[] = [];

beforeAll(async () => {
  issuer = await createTestIssuer();
});
afterAll(async () => {
  for (const s of servers) await s.close();
  await issuer?.close();
});

function serve(organization: string | readonly string[] | OrganizationResolver) {
  const auth = createAuth({
    issuer: issuer.url,
    audience: issuer.audience,
    dpop: { mode: "disabled" },
    organization,
    resolverTimeout: 0.2,
  });
  const createContext = auth.createAuthContext;
  const t = initTRPC.context<typeof createContext>().create({ errorFormatter });
  const router = t.router({
    org: t.procedure.use(requireAuth()).query(({ ctx }) => {
      expectTypeOf(ctx.claims.org_id).toEqualTypeOf<string>();
      return ctx.claims.org_id;
    }),
  });
  return { auth, router };
}

async function start(organization: Parameters<typeof serve>[0]) {
  const { auth, router } = serve(organization);
  const server = await startServer("standalone", router, auth);
  servers.push(server);
  const client = (token: string, headers: Record<string, string> = {}) =>
    createTRPCClient<typeof router>({
      links: [
        httpLink({
          url: server.url,
          headers: () => ({ authorization: `Bearer ${token}`, ...headers }),
        }),
      ],
    });
  return { auth, client };
}

describe("createAuth({ organization })", () => {
  it("passes a token of the organization and types ctx.claims.org_id as a string", async () => {
    const { client } = await start("org_acme");
    await expect(client(await issuer.sign({ org_id: "org_acme" })).org.query()).resolves.toBe(
      "org_acme",
    );
  });

  it("answers 401 invalid_token for a token without org_id or of another organization", async () => {
    const { client } = await start(["org_acme", "org_globex"]);
    expect(await failure(client(await issuer.sign({})).org.query())).toMatchObject({
      code: "UNAUTHORIZED",
      status: 401,
      challenge:
        'Bearer realm="api", error="invalid_token", error_description="the token has no organization (org_id)"',
    });
    expect(
      await failure(client(await issuer.sign({ org_id: "org_other" })).org.query()),
    ).toMatchObject({
      code: "UNAUTHORIZED",
      status: 401,
      challenge:
        'Bearer realm="api", error="invalid_token", error_description="the token\'s organization is not accepted"',
    });
  });

  it("compares names with org_name case-insensitively", async () => {
    const { client } = await start("Acme");
    const named = await issuer.sign({ org_id: "org_1", org_name: "acme" });
    await expect(client(named).org.query()).resolves.toBe("org_1");
    expect((await failure(client(await issuer.sign({ org_id: "org_1" })).org.query())).status).toBe(
      401,
    );
  });

  it("a per-request resolver decides per request, also for a cached token", async () => {
    let resolved = 0;
    const { auth, client } = await start(({ headers }) => {
      resolved++;
      const org = headers("x-org");
      return typeof org === "string" ? `org_${org}` : [];
    });
    const token = await issuer.sign({ org_id: "org_acme" });
    await expect(client(token, { "x-org": "acme" }).org.query()).resolves.toBe("org_acme");
    const checksAfterFirst = auth.stats.signatureChecks;
    // Same token, now from the cache, on another organization's request: refused.
    const outcome = await failure(client(token, { "x-org": "globex" }).org.query());
    expect(outcome).toMatchObject({ status: 401, auth: { error: "invalid_token" } });
    expect(auth.stats.signatureChecks).toBe(checksAfterFirst); // it was a cache hit
    await expect(client(token, { "x-org": "acme" }).org.query()).resolves.toBe("org_acme");
    expect(auth.stats.signatureChecks).toBe(checksAfterFirst);
    expect(resolved).toBeGreaterThanOrEqual(3);
  });

  it("an async resolver is awaited; one that throws is a 500, one that hangs a 503", async () => {
    const ok = await start(async () => "org_acme");
    await expect(ok.client(await issuer.sign({ org_id: "org_acme" })).org.query()).resolves.toBe(
      "org_acme",
    );
    const throwing = await start(() => {
      throw new Error("tenant table down");
    });
    const thrown = await failure(
      throwing.client(await issuer.sign({ org_id: "org_acme" })).org.query(),
    );
    expect(thrown).toMatchObject({ status: 500, auth: { error: "server_error" } });
    expect(thrown.message).not.toContain("tenant table");
    const hanging = await start(() => new Promise<string>(() => {}));
    const hung = await failure(
      hanging.client(await issuer.sign({ org_id: "org_acme" })).org.query(),
    );
    expect(hung).toMatchObject({ status: 503, retryAfter: "1" });
  });

  it("refuses a bad static value at createAuth", () => {
    const base = { issuer: issuer.url, audience: issuer.audience };
    expect(() => createAuth({ ...base, organization: [] as string[] })).toThrow(ConfigurationError);
    expect(() => createAuth({ ...base, organization: " org_a" })).toThrow(/organization/);
  });
});
