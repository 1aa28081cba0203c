/**
 * DPoP on every HTTP tRPC adapter: the proof names the URL the client called (`htu`), and each
 * host hands the context that URL differently — Express rewrites `req.url` below a mount path
 * (`app.use("/trpc", …)`), Fastify and Next.js pages keep it, fetch has a full URL. A proof for
 * the called URL passes; one for another URL is a 400. Lambda has its own test (lambda.test.ts).
 */
import { createTRPCClient, httpLink } from "@trpc/client";
import type { DpopKeyPair, TestIssuer } from "scopegate/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApi, startIssuer, type TestRouter } from "./support/api.js";
import { failure } from "./support/client.js";
import { type AdapterName, type RunningServer, startServer } from "./support/servers.js";

const ADAPTERS: AdapterName[] = ["fetch", "standalone", "express", "fastify", "next-pages"];

let issuer: TestIssuer;
let key: DpopKeyPair;
const servers = new Map<AdapterName, RunningServer>();

beforeAll(async () => {
  issuer = await startIssuer();
  key = await issuer.dpopKey("ES256");
  const api = buildApi(issuer, { dpop: { mode: "allowed", algorithms: ["ES256"] } });
  for (const adapter of ADAPTERS)
    servers.set(adapter, await startServer(adapter, api.router, api.auth));
});
afterAll(async () => {
  await Promise.all([...servers.values()].map((s) => s.close()));
  await issuer?.close();
});

/** A client of `url` that signs each call's proof for `htuOf(path)`. */
function dpopClient(url: string, token: string, htuOf: (path: string) => string) {
  return createTRPCClient<TestRouter>({
    links: [
      httpLink({
        url,
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

describe.each(ADAPTERS)("%s adapter with a DPoP-bound token", (adapter) => {
  it("accepts a proof for the URL it was called at, and refuses one for another", async () => {
    const url = servers.get(adapter)?.url ?? "";
    const token = await issuer.sign({ sub: `auth0|${adapter}` }, { dpopJkt: key.thumbprint });
    await expect(dpopClient(url, token, (path) => `${url}/${path}`).me.query()).resolves.toBe(
      `auth0|${adapter}`,
    );
    const elsewhere = dpopClient(url, token, (path) => `https://api.example.com/trpc/${path}`);
    expect(await failure(elsewhere.me.query())).toMatchObject({
      status: 400,
      code: "BAD_REQUEST",
      auth: { error: "invalid_dpop_proof" },
    });
  });
});
