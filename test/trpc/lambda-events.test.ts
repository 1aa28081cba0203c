/**
 * Lambda events with every field attacker-written or odd (wrong types, header-name case,
 * missing `requestContext.path`), and the response headers of `authResponseMeta`: DPoP nonces
 * on refusals and on successes, composition with your own `responseMeta`, and no duplicates on
 * adapters that have a response sink.
 */
import { awsLambdaRequestHandler } from "@trpc/server/adapters/aws-lambda";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import fc from "fast-check";
import { AuthError, isAuthError } from "scopegate";
import type { DpopKeyPair, TestIssuer } from "scopegate/testing";
import { authResponseMeta, withAuthResponseMeta } from "scopegate/trpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApi, startIssuer } from "./support/api.js";
import { httpApi, invoke, restApi, withHeaders } from "./support/events.js";

let issuer: TestIssuer;
let key: DpopKeyPair;

beforeAll(async () => {
  issuer = await startIssuer();
  key = await issuer.dpopKey("ES256");
});
afterAll(async () => {
  await issuer?.close();
});

const REST_URL = "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod/trpc/me";
const HTTP_URL = "https://f6g7h8i9j0.execute-api.eu-west-1.amazonaws.com/trpc/me";

/** Paths of the event fields a client's request (or a broken integration) could make odd. */
const FIELDS = [
  ["version"],
  ["httpMethod"],
  ["path"],
  ["rawPath"],
  ["rawQueryString"],
  ["headers"],
  ["headers", "authorization"],
  ["headers", "dpop"],
  ["multiValueHeaders"],
  ["multiValueHeaders", "Authorization"],
  ["multiValueHeaders", "DPoP"],
  ["queryStringParameters"],
  ["multiValueQueryStringParameters"],
  ["requestContext"],
  ["requestContext", "domainName"],
  ["requestContext", "path"],
  ["requestContext", "stage"],
  ["requestContext", "http"],
  ["requestContext", "http", "method"],
  ["requestContext", "identity"],
] as const;

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node: Record<string, unknown> = target;
  for (const step of path.slice(0, -1)) {
    const next = node[step];
    if (typeof next !== "object" || next === null) return;
    node = next as Record<string, unknown>;
  }
  node[path.at(-1) as string] = value;
}

describe("hostile Lambda events", () => {
  it("any value in any field: no throw, never a 500; an AuthError of 400/401 or the claims", async () => {
    const api = buildApi(issuer, { dpop: { mode: "allowed", algorithms: ["ES256"] } });
    const token = await issuer.sign({}, { dpopJkt: key.thumbprint });
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.constantFrom(...FIELDS),
        fc.oneof(fc.anything(), fc.jsonValue()),
        async (v2, field, value) => {
          const url = v2 ? HTTP_URL : REST_URL;
          const proof = await issuer.dpopProof({ key, method: "GET", url, accessToken: token });
          const base = v2 ? httpApi() : restApi();
          const event = withHeaders(base, { Authorization: `DPoP ${token}`, DPoP: proof });
          setPath(event as unknown as Record<string, unknown>, field, value);
          const { auth } = api.auth.createAuthContext({ event, context: {}, info: undefined });
          const outcome = await auth.require().then(
            () => 200,
            (e: unknown) => (isAuthError(e) ? e.status : -1),
          );
          expect([200, 400, 401]).toContain(outcome);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("finds Authorization whatever the case of its name, and every value of it", async () => {
    const api = buildApi(issuer);
    const token = await issuer.sign({ sub: "auth0|case" });
    for (const name of ["authorization", "Authorization", "AUTHORIZATION"]) {
      const event = withHeaders(restApi(), { [name]: `Bearer ${token}` });
      await expect(api.auth.createAuthContext({ event }).auth.require()).resolves.toMatchObject({
        sub: "auth0|case",
      });
    }
    // Two spellings of the same header are two credentials, not one.
    const both = withHeaders(restApi(), {
      Authorization: `Bearer ${token}`,
      authorization: `Bearer ${token}`,
    });
    const error = await api.auth
      .createAuthContext({ event: both })
      .auth.require()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect(error).toMatchObject({ status: 400, reason: "multiple_credentials" });
  });

  it("without requestContext.path, puts the stage back on the execute-api host only", async () => {
    const api = buildApi(issuer, { dpop: { mode: "allowed", algorithms: ["ES256"] } });
    const token = await issuer.sign({}, { dpopJkt: key.thumbprint });
    const check = async (event: ReturnType<typeof restApi>, htu: string) => {
      const proof = await issuer.dpopProof({ key, method: "GET", url: htu, accessToken: token });
      const e = withHeaders(event, { Authorization: `DPoP ${token}`, DPoP: proof });
      return api.auth
        .createAuthContext({ event: e })
        .auth.require()
        .then(
          () => 200,
          (err: AuthError) => err.status,
        );
    };
    const bare = restApi();
    bare.requestContext.path = undefined as unknown as string;
    expect(await check(bare, REST_URL)).toBe(200);
    const custom = restApi();
    custom.requestContext.path = undefined as unknown as string;
    custom.requestContext.domainName = "api.example.com";
    expect(await check(custom, "https://api.example.com/trpc/me")).toBe(200);
    expect(await check(custom, "https://api.example.com/prod/trpc/me")).toBe(400);
  });
});

describe("authResponseMeta", () => {
  it("sends DPoP-Nonce on the 401 use_dpop_nonce and on the 200 that follows", async () => {
    const api = buildApi(issuer, { dpop: { mode: "allowed", algorithms: ["ES256"], nonce: true } });
    const handler = awsLambdaRequestHandler({
      router: api.router,
      createContext: api.auth.createAuthContext,
      responseMeta: authResponseMeta,
    });
    const token = await issuer.sign({ sub: "auth0|nonce" }, { dpopJkt: key.thumbprint });
    const call = async (nonce?: string) => {
      const proof = await issuer.dpopProof({
        key,
        method: "GET",
        url: HTTP_URL,
        accessToken: token,
        nonce,
      });
      return invoke(
        handler,
        withHeaders(httpApi(), { authorization: `DPoP ${token}`, dpop: proof }),
      );
    };
    const first = await call();
    expect(first.status).toBe(401);
    expect(first.body.error?.data?.auth?.error).toBe("use_dpop_nonce");
    expect(first.headers["www-authenticate"]).toMatch(/DPoP error="use_dpop_nonce"/);
    const nonce = first.headers["dpop-nonce"];
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{30}$/);
    const second = await call(nonce);
    expect(second).toMatchObject({ status: 200, body: { result: { data: "auth0|nonce" } } });
    expect(second.headers["dpop-nonce"]).toBe(nonce);
    expect(second.headers["www-authenticate"]).toBeUndefined();
  });

  it("composes with your own responseMeta: your headers and status, plus the challenge", async () => {
    const api = buildApi(issuer);
    const handler = awsLambdaRequestHandler({
      router: api.router,
      createContext: api.auth.createAuthContext,
      responseMeta: withAuthResponseMeta(({ errors, type }) =>
        errors.length > 0
          ? { headers: { "cache-control": "no-store", "x-procedure-type": type } }
          : { status: 203, headers: new Headers({ "cache-control": "private, max-age=60" }) },
      ),
    });
    const refused = await invoke(handler, restApi());
    expect(refused.status).toBe(401);
    expect(refused.headers).toMatchObject({
      "www-authenticate": 'Bearer realm="api"',
      "cache-control": "no-store",
      "x-procedure-type": "query",
    });
    const token = await issuer.sign({});
    const ok = await invoke(handler, withHeaders(restApi(), { Authorization: `Bearer ${token}` }));
    expect(ok.status).toBe(203);
    expect(ok.headers["cache-control"]).toBe("private, max-age=60");
    expect(ok.headers["www-authenticate"]).toBeUndefined();
  });

  it("adds nothing where the context has a sink: one DPoP-Nonce, one challenge (fetch)", async () => {
    const api = buildApi(issuer, { dpop: { mode: "allowed", algorithms: ["ES256"], nonce: true } });
    const serve = (req: Request) =>
      fetchRequestHandler({
        endpoint: "/trpc",
        req,
        router: api.router,
        createContext: api.auth.createAuthContext,
        responseMeta: authResponseMeta,
      });
    const url = "https://api.example.com/trpc/me";
    const token = await issuer.sign({}, { dpopJkt: key.thumbprint });
    const proof = (nonce?: string) =>
      issuer.dpopProof({ key, method: "GET", url, accessToken: token, nonce });
    const first = await serve(
      new Request(url, { headers: { authorization: `DPoP ${token}`, dpop: await proof() } }),
    );
    expect(first.status).toBe(401);
    const nonce = first.headers.get("dpop-nonce") ?? "";
    expect(nonce).not.toContain(",");
    expect(first.headers.get("www-authenticate")?.match(/use_dpop_nonce/g)).toHaveLength(1);
    const second = await serve(
      new Request(url, { headers: { authorization: `DPoP ${token}`, dpop: await proof(nonce) } }),
    );
    expect(second.status).toBe(200);
    expect(second.headers.get("dpop-nonce")).toBe(nonce);
  });
});
