/**
 * Fastify beyond the adapter matrix: a DPoP-bound token whose proof is for the URL Fastify was
 * called at (from the Host header), and a repeated Authorization header, which Node folds
 * away in `request.headers` but Fastify's raw request still holds (a 400, not a 200).
 */
import { request as httpRequest } from "node:http";
import { createTRPCClient, httpLink } from "@trpc/client";
import type { DpopKeyPair, TestIssuer } from "scopegate/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApi, startIssuer, type TestRouter } from "./support/api.js";
import { failure } from "./support/client.js";
import { startFastify } from "./support/hosts.js";
import type { RunningServer } from "./support/servers.js";

let issuer: TestIssuer;
let key: DpopKeyPair;
let server: RunningServer;

beforeAll(async () => {
  issuer = await startIssuer();
  key = await issuer.dpopKey("ES256");
  const api = buildApi(issuer, { dpop: { mode: "allowed", algorithms: ["ES256"] } });
  server = await startFastify(api.router, api.auth);
});
afterAll(async () => {
  await server?.close();
  await issuer?.close();
});

/** A client that signs each call's proof for `htuOf(path)`. */
function dpopClient(token: string, htuOf: (path: string) => string) {
  return createTRPCClient<TestRouter>({
    links: [
      httpLink({
        url: server.url,
        headers: async ({ op }) => ({
          authorization: `DPoP ${token}`,
          dpop: await issuer.dpopProof({
            key,
            method: "GET",
            url: htuOf(op.path),
            accessToken: token,
          }),
        }),
      }),
    ],
  });
}

/** GET with raw header lines (Node sends one line per array item). */
function rawGet(url: string, headers: Record<string, string | string[]>) {
  return new Promise<{ status: number; challenge: string | undefined }>((resolve, reject) => {
    const req = httpRequest(url, { headers, signal: AbortSignal.timeout(5_000) }, (res) => {
      res.resume();
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          challenge: res.headers["www-authenticate"] as string | undefined,
        }),
      );
    });
    req.on("error", reject);
    req.end();
  });
}

describe("fastify adapter", () => {
  it("accepts a DPoP proof for the URL it was called at, and refuses one for another", async () => {
    const token = await issuer.sign({ sub: "auth0|fastify" }, { dpopJkt: key.thumbprint });
    await expect(dpopClient(token, (path) => `${server.url}/${path}`).me.query()).resolves.toBe(
      "auth0|fastify",
    );
    const elsewhere = dpopClient(token, (path) => `https://api.example.com/trpc/${path}`);
    expect(await failure(elsewhere.me.query())).toMatchObject({
      status: 400,
      code: "BAD_REQUEST",
      auth: { error: "invalid_dpop_proof" },
    });
  });

  it("answers two Authorization headers with 400 invalid_request", async () => {
    const token = await issuer.sign({});
    const one = await rawGet(`${server.url}/me`, { authorization: `Bearer ${token}` });
    expect(one.status).toBe(200);
    const two = await rawGet(`${server.url}/me`, {
      authorization: [`Bearer ${token}`, `Bearer ${token}`],
    });
    expect(two.status).toBe(400);
    expect(two.challenge).toBe(
      'Bearer realm="api", error="invalid_request", error_description="more than one Authorization header", DPoP algs="ES256"',
    );
  });
});
