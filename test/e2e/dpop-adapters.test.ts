/**
 * DPoP end to end through the tRPC and GraphQL examples over real HTTP: a DPoP-bound token from
 * the test issuer's token endpoint, replays, server nonces, and a reverse proxy (trustProxy).
 */
import { createTRPCClient, httpLink, TRPCClientError } from "@trpc/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGraphqlExample } from "../../examples/graphql/server.js";
import type { AppRouter } from "../../examples/trpc/router.js";
import { startTrpcExample } from "../../examples/trpc/server.js";
import {
  type AccessTokenClaims,
  type Auth,
  type AuthOptions,
  createAuth,
} from "../../src/index.js";
import { createTestIssuer, type DpopKeyPair, type TestIssuer } from "../../src/testing/index.js";

let issuer: TestIssuer;
let key: DpopKeyPair;
let token: string;
const servers: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  issuer = await createTestIssuer();
  key = await issuer.dpopKey();
  // The real client-credentials flow, with a DPoP proof for the token endpoint.
  const proof = await issuer.dpopProof({ key, method: "POST", url: issuer.tokenEndpoint });
  const res = await fetch(issuer.tokenEndpoint, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", dpop: proof },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: "e2e",
      audience: issuer.audience,
      scope: "read:messages",
    }),
  });
  const body = (await res.json()) as { access_token: string; token_type: string };
  expect(body.token_type).toBe("DPoP");
  token = body.access_token;
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await issuer.close();
});

function authWith(extra: Partial<AuthOptions> = {}): Auth<AccessTokenClaims> {
  return createAuth({ issuer: issuer.url, audience: issuer.audience, ...extra } as AuthOptions);
}
async function trpcServer(auth: Auth<AccessTokenClaims>) {
  const s = await startTrpcExample({ auth });
  servers.push(s);
  return s.url;
}
async function graphqlServer(auth: Auth<AccessTokenClaims>) {
  const s = await startGraphqlExample({ auth });
  servers.push(s);
  return s.url;
}
const proofFor = (method: string, url: string, nonce?: string) =>
  issuer.dpopProof({ key, method, url, accessToken: token, nonce });

describe("DPoP through tRPC (real @trpc/client)", () => {
  it("a DPoP-bound token works; a replayed proof is refused with 400 invalid_dpop_proof", async () => {
    const url = await trpcServer(authWith());
    let last = "";
    const client = createTRPCClient<AppRouter>({
      links: [
        httpLink({
          url,
          headers: async ({ op }) => {
            last = last || (await proofFor("GET", `${url}/${op.path}`));
            return { authorization: `DPoP ${token}`, dpop: last };
          },
        }),
      ],
    });
    await expect(client.messages.query()).resolves.toEqual([
      { id: 1, text: "Welcome to scopegate" },
    ]);
    const replay = await client.messages.query().catch((e: unknown) => e);
    expect(replay).toBeInstanceOf(TRPCClientError);
    expect((replay as TRPCClientError<AppRouter>).data).toMatchObject({
      httpStatus: 400,
      auth: { error: "invalid_dpop_proof", error_description: "DPoP proof was already used" },
    });
  });

  it("nonce challenge → retry with the nonce → 200", async () => {
    const url = await trpcServer(
      authWith({ dpop: { nonce: { secret: "e2e-nonce-secret-0123456789abcdef" } } }),
    );
    const first = await fetch(`${url}/messages`, {
      headers: { authorization: `DPoP ${token}`, dpop: await proofFor("GET", `${url}/messages`) },
    });
    expect(first.status).toBe(401);
    const nonce = first.headers.get("dpop-nonce");
    expect(nonce).toBeTruthy();
    expect(first.headers.get("www-authenticate")).toMatch(/DPoP error="use_dpop_nonce"/);
    const second = await fetch(`${url}/messages`, {
      headers: {
        authorization: `DPoP ${token}`,
        dpop: await proofFor("GET", `${url}/messages`, nonce ?? ""),
      },
    });
    expect(second.status).toBe(200);
    expect(second.headers.get("dpop-nonce")).toBe(nonce);
  });

  it("behind a proxy: htu passes with trustProxy, fails without", async () => {
    const publicUrl = "https://api.example.com/trpc/messages";
    const call = async (url: string) =>
      fetch(`${url}/messages`, {
        headers: {
          authorization: `DPoP ${token}`,
          dpop: await proofFor("GET", publicUrl),
          "x-forwarded-host": "api.example.com",
          "x-forwarded-proto": "https",
        },
      });
    expect((await call(await trpcServer(authWith({ trustProxy: true })))).status).toBe(200);
    const untrusted = await call(await trpcServer(authWith()));
    expect(untrusted.status).toBe(400);
    expect(untrusted.headers.get("www-authenticate")).toMatch(/htu does not match the request URL/);
  });
});

describe("DPoP through graphql-yoga", () => {
  const query = JSON.stringify({ query: "{ messages { text } }" });
  const post = async (url: string, dpop: string, extra: Record<string, string> = {}) =>
    fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `DPoP ${token}`,
        dpop,
        ...extra,
      },
      body: query,
    });

  it("a DPoP-bound token works; a replayed proof is refused with 400", async () => {
    const url = await graphqlServer(authWith());
    const proof = await proofFor("POST", url);
    const ok = await post(url, proof);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({
      data: { messages: expect.arrayContaining([{ text: "Welcome to scopegate" }]) },
    });
    const replay = await post(url, proof);
    expect(replay.status).toBe(400);
    const body = (await replay.json()) as {
      data?: unknown;
      errors: Array<{ extensions: Record<string, unknown> }>;
    };
    expect(body.data).toBeUndefined();
    expect(body.errors[0]?.extensions).toMatchObject({
      code: "BAD_REQUEST",
      error: "invalid_dpop_proof",
    });
  });

  it("nonce challenge → retry with the nonce → 200", async () => {
    const url = await graphqlServer(authWith({ dpop: { nonce: true } }));
    const first = await post(url, await proofFor("POST", url));
    expect(first.status).toBe(401);
    const nonce = first.headers.get("dpop-nonce") ?? "";
    expect(nonce).not.toBe("");
    const second = await post(url, await proofFor("POST", url, nonce));
    expect(second.status).toBe(200);
  });

  it("behind a proxy: htu passes with trustProxy, fails without", async () => {
    const forwarded = { "x-forwarded-host": "api.example.com", "x-forwarded-proto": "https" };
    const trusted = await graphqlServer(authWith({ trustProxy: true }));
    const publicUrl = `https://api.example.com${new URL(trusted).pathname}`;
    expect((await post(trusted, await proofFor("POST", publicUrl), forwarded)).status).toBe(200);
    const untrusted = await graphqlServer(authWith());
    expect((await post(untrusted, await proofFor("POST", publicUrl), forwarded)).status).toBe(400);
  });
});
