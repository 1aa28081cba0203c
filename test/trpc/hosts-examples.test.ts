/**
 * The host examples under examples/trpc/hosts, each run the way its host runs it, against the
 * test issuer (configured through SCOPEGATE_ISSUER / SCOPEGATE_AUDIENCE, as a user of
 * `scopegate dev` would): Fastify with a real `@trpc/client`; the Lambda `handler` invoked with
 * API Gateway REST and HTTP API events; the Next.js App Router `GET` / `POST` called with
 * Fetch `Request`s (Next's contract; not run under `next dev`); the Next.js pages route behind
 * node:http with `req.query.trpc` set as Next's API resolver does (Next is not installed).
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createTRPCClient, httpLink } from "@trpc/client";
import { createAuth } from "scopegate";
import { createTestIssuer, type DpopKeyPair, type TestIssuer } from "scopegate/testing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { AppRouter } from "../../examples/trpc/router.js";
import { atProcedure, httpApi, invoke, restApi, withHeaders } from "./support/events.js";
import { nextApiRoute } from "./support/hosts.js";

let issuer: TestIssuer;
let key: DpopKeyPair;
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  issuer = await createTestIssuer({ audience: "https://api.scopegate.example" });
  key = await issuer.dpopKey("ES256");
  vi.stubEnv("AUTH0_DOMAIN", "");
  vi.stubEnv("SCOPEGATE_ISSUER", issuer.url);
  vi.stubEnv("SCOPEGATE_AUDIENCE", issuer.audience);
});
afterAll(async () => {
  vi.unstubAllEnvs();
  for (const close of closers) await close();
  await issuer?.close();
});

const CHALLENGE = /^Bearer realm="api", DPoP algs="[A-Za-z0-9 ]+"$/;
const reader = () => issuer.sign({ sub: "auth0|reader", scope: "read:messages" });

function client(url: string, authorization?: string) {
  return createTRPCClient<AppRouter>({
    links: [httpLink({ url, headers: () => (authorization ? { authorization } : {}) })],
  });
}

/** Status and challenge of a failed call from the client's view of the HTTP response. */
async function refusal(call: Promise<unknown>) {
  const error = (await call.then(
    () => {
      throw new Error("expected a refusal");
    },
    (e: unknown) => e,
  )) as { meta?: { response?: Response } };
  const response = error.meta?.response;
  return { status: response?.status, challenge: response?.headers.get("www-authenticate") };
}

/** 200 / 401 / 400 / 403 of one example through a real client. */
async function expectOutcomes(url: string) {
  const token = await reader();
  await expect(client(url).public.query()).resolves.toMatch(/^Hello/);
  await expect(client(url, `Bearer ${token}`).private.query()).resolves.toBe("auth0|reader");
  const none = await refusal(client(url).private.query());
  expect(none.status).toBe(401);
  expect(none.challenge).toMatch(CHALLENGE);
  const basic = await refusal(client(url, "Basic Zm9vOmJhcg==").private.query());
  expect(basic.status).toBe(400);
  expect(basic.challenge).toMatch(/^Bearer realm="api", error="invalid_request"/);
  const scope = await refusal(client(url, `Bearer ${token}`).data.query());
  expect(scope.status).toBe(403);
  expect(scope.challenge).toMatch(/error="insufficient_scope".*scope="read:data write:data"/);
}

describe("examples/trpc/hosts/fastify.ts", () => {
  it("answers 200, 401, 400 and 403 with the challenge", async () => {
    const { startFastifyExample } = await import("../../examples/trpc/hosts/fastify.js");
    const auth = createAuth({ issuer: issuer.url, audience: issuer.audience });
    const server = await startFastifyExample({ auth });
    closers.push(() => server.close());
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/trpc$/);
    await expectOutcomes(server.url);
  });
});

describe("examples/trpc/hosts/next-pages.ts", () => {
  it("answers 200, 401, 400 and 403 with the challenge", async () => {
    const { default: handler } = await import("../../examples/trpc/hosts/next-pages.js");
    const server = createServer(nextApiRoute(handler));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    closers.push(
      () =>
        new Promise<void>((done) => {
          server.closeAllConnections();
          server.close(() => done());
        }),
    );
    const { port } = server.address() as AddressInfo;
    await expectOutcomes(`http://127.0.0.1:${port}/api/trpc`);
  });
});

describe("examples/trpc/hosts/next-app-route.ts", () => {
  it("GET and POST answer 200, 401, 400 and 403; a DPoP proof for the request URL works", async () => {
    const { GET, POST } = await import("../../examples/trpc/hosts/next-app-route.js");
    const base = "https://app.example.com/api/trpc";
    const token = await reader();
    const get = (path: string, headers: Record<string, string> = {}) =>
      GET(new Request(`${base}/${path}`, { headers }));

    const ok = await get("private", { authorization: `Bearer ${token}` });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ result: { data: "auth0|reader" } });
    const none = await get("private");
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(CHALLENGE);
    expect((await get("private", { authorization: "Basic Zm9v" })).status).toBe(400);
    const forbidden = await get("data", { authorization: `Bearer ${token}` });
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get("www-authenticate")).toMatch(/scope="read:data write:data"/);

    const admin = await issuer.sign({ permissions: ["delete:users"] });
    const mutation = (authorization: string) =>
      POST(
        new Request(`${base}/deleteUser`, {
          method: "POST",
          headers: { authorization, "content-type": "application/json" },
          body: JSON.stringify({ id: "u1" }),
        }),
      );
    expect((await mutation(`Bearer ${admin}`)).status).toBe(200);
    expect((await mutation(`Bearer ${token}`)).status).toBe(403);

    const bound = await issuer.sign({ sub: "auth0|dpop" }, { dpopJkt: key.thumbprint });
    const proof = await issuer.dpopProof({
      key,
      method: "GET",
      url: `${base}/private`,
      accessToken: bound,
    });
    const dpop = await get("private", { authorization: `DPoP ${bound}`, dpop: proof });
    expect(await dpop.json()).toEqual({ result: { data: "auth0|dpop" } });
  });
});

describe("examples/trpc/hosts/lambda.ts", () => {
  it("answers REST (v1) and HTTP API (v2) events with 200, 401, 400, 403 and DPoP", async () => {
    const { handler } = await import("../../examples/trpc/hosts/lambda.js");
    const token = await reader();
    const cases = [
      {
        event: restApi(),
        url: "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod/trpc/private",
      },
      {
        event: httpApi(),
        url: "https://f6g7h8i9j0.execute-api.eu-west-1.amazonaws.com/trpc/private",
      },
    ];
    for (const { event, url } of cases) {
      const at = (name: string, headers: Record<string, string> = {}) =>
        invoke(handler, withHeaders(atProcedure(event, name), headers));
      expect(await at("private", { Authorization: `Bearer ${token}` })).toMatchObject({
        status: 200,
        body: { result: { data: "auth0|reader" } },
      });
      const none = await at("private");
      expect(none.status).toBe(401);
      expect(none.headers["www-authenticate"]).toMatch(CHALLENGE);
      const basic = await at("private", { Authorization: "Basic Zm9v" });
      expect(basic.status).toBe(400);
      expect(basic.headers["www-authenticate"]).toMatch(/error="invalid_request"/);
      const forbidden = await at("data", { Authorization: `Bearer ${token}` });
      expect(forbidden.status).toBe(403);
      expect(forbidden.headers["www-authenticate"]).toMatch(/scope="read:data write:data"/);

      const bound = await issuer.sign({ sub: "auth0|dpop" }, { dpopJkt: key.thumbprint });
      const proof = await issuer.dpopProof({ key, method: "GET", url, accessToken: bound });
      expect(await at("private", { Authorization: `DPoP ${bound}`, DPoP: proof })).toMatchObject({
        status: 200,
        body: { result: { data: "auth0|dpop" } },
      });
    }
  });
});
