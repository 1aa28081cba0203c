/**
 * Fastify beyond the adapter matrices (adapters.test.ts, dpop-hosts.test.ts): a repeated
 * Authorization header, which Node folds away in `request.headers` but Fastify's raw request
 * still holds (a 400, not a 200).
 */
import { request as httpRequest } from "node:http";
import type { TestIssuer } from "scopegate/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApi, startIssuer } from "./support/api.js";
import { startFastify } from "./support/hosts.js";
import type { RunningServer } from "./support/servers.js";

let issuer: TestIssuer;
let server: RunningServer;

beforeAll(async () => {
  issuer = await startIssuer();
  const api = buildApi(issuer, { dpop: { mode: "allowed", algorithms: ["ES256"] } });
  server = await startFastify(api.router, api.auth);
});
afterAll(async () => {
  await server?.close();
  await issuer?.close();
});

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
