/**
 * The real `awsLambdaRequestHandler` invoked with API Gateway REST (payload 1.0), HTTP API
 * (payload 2.0) and function URL events as AWS sends them, with the README's set-up:
 * `createContext: auth.createAuthContext` and `responseMeta: authResponseMeta`. DPoP proofs are
 * signed for the URL the client called, so they only pass when the request URL is derived from
 * the event the way API Gateway builds it (stage, base path, host).
 */
import { awsLambdaRequestHandler } from "@trpc/server/adapters/aws-lambda";
import type { DpopKeyPair, TestIssuer } from "scopegate/testing";
import { authResponseMeta } from "scopegate/trpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApi, startIssuer } from "./support/api.js";
import {
  atProcedure,
  functionUrl,
  httpApi,
  httpApiOnStage,
  invoke,
  type LambdaEvent,
  restApi,
  restApiCustomDomain,
  withHeaders,
} from "./support/events.js";

let issuer: TestIssuer;
let key: DpopKeyPair;
let api: ReturnType<typeof buildApi>;
let handler: ReturnType<typeof lambdaHandler>;

function lambdaHandler(a: ReturnType<typeof buildApi>) {
  return awsLambdaRequestHandler({
    router: a.router,
    createContext: a.auth.createAuthContext,
    responseMeta: authResponseMeta,
  });
}

beforeAll(async () => {
  issuer = await startIssuer();
  key = await issuer.dpopKey("ES256");
  api = buildApi(issuer, { dpop: { mode: "allowed", algorithms: ["ES256"] } });
  handler = lambdaHandler(api);
});
afterAll(async () => {
  await issuer?.close();
});

const CHALLENGE = 'Bearer realm="api", DPoP algs="ES256"';

const HOSTS: Array<{
  name: string;
  event: () => LambdaEvent;
  /** The URL the client called: the proof's `htu`. */
  url: string;
  /** A URL the event must not be taken for (what a naive derivation would give). */
  wrong: string;
}> = [
  {
    name: "REST API (v1), execute-api host, stage prod",
    event: restApi,
    url: "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod/trpc/me",
    wrong: "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/trpc/me",
  },
  {
    name: "REST API (v1), custom domain with base path v1",
    event: restApiCustomDomain,
    url: "https://api.example.com/v1/trpc/me",
    wrong: "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod/trpc/me",
  },
  {
    name: "HTTP API (v2), stage $default",
    event: httpApi,
    url: "https://f6g7h8i9j0.execute-api.eu-west-1.amazonaws.com/trpc/me",
    wrong: "https://f6g7h8i9j0.execute-api.eu-west-1.amazonaws.com/%24default/trpc/me",
  },
  {
    name: "HTTP API (v2), named stage dev",
    event: () => httpApiOnStage("dev"),
    url: "https://f6g7h8i9j0.execute-api.eu-west-1.amazonaws.com/dev/trpc/me",
    wrong: "https://f6g7h8i9j0.execute-api.eu-west-1.amazonaws.com/trpc/me",
  },
  {
    name: "Lambda function URL",
    event: functionUrl,
    url: "https://k1l2m3n4o5p6q7r8s9t0u1v2w3x4y5z6.lambda-url.eu-west-1.on.aws/me",
    wrong: "http://k1l2m3n4o5p6q7r8s9t0u1v2w3x4y5z6.lambda-url.eu-west-1.on.aws/me",
  },
];

describe.each(HOSTS)("$name", ({ event, url, wrong }) => {
  it("200 for a good Bearer token", async () => {
    const token = await issuer.sign({ sub: "auth0|lambda" });
    const answer = await invoke(
      handler,
      withHeaders(event(), { Authorization: `Bearer ${token}` }),
    );
    expect(answer).toMatchObject({ status: 200, body: { result: { data: "auth0|lambda" } } });
    expect(answer.headers["www-authenticate"]).toBeUndefined();
  });

  it("401 with the exact challenge without a token, and for an expired one", async () => {
    const none = await invoke(handler, event());
    expect(none.status).toBe(401);
    expect(none.headers["www-authenticate"]).toBe(CHALLENGE);
    expect(none.body.error?.data).toMatchObject({ code: "UNAUTHORIZED" });

    const expired = await issuer.sign({}, { expiresIn: -60 });
    const answer = await invoke(
      handler,
      withHeaders(event(), { authorization: `Bearer ${expired}` }),
    );
    expect(answer.status).toBe(401);
    expect(answer.headers["www-authenticate"]).toBe(
      'Bearer realm="api", error="invalid_token", error_description="token expired", DPoP algs="ES256"',
    );
  });

  it("400 invalid_request for a malformed header and for two credentials", async () => {
    const basic = await invoke(
      handler,
      withHeaders(event(), { Authorization: "Basic Zm9vOmJhcg==" }),
    );
    expect(basic.status).toBe(400);
    expect(basic.headers["www-authenticate"]).toMatch(
      /^Bearer realm="api", error="invalid_request"/,
    );

    // Payload 1.0 keeps both values in multiValueHeaders; payload 2.0 joins them with a comma.
    const token = await issuer.sign({});
    const twice = await invoke(
      handler,
      withHeaders(event(), { Authorization: [`Bearer ${token}`, `Bearer ${token}`] }),
    );
    expect(twice.status).toBe(400);
    expect(twice.body.error?.data?.auth?.error).toBe("invalid_request");
    expect(twice.headers["www-authenticate"]).toMatch(/error="invalid_request"/);
  });

  it("403 insufficient_scope with scope= for a token without the scope", async () => {
    const token = await issuer.sign({ scope: "read:data" });
    const answer = await invoke(
      handler,
      withHeaders(atProcedure(event(), "messages"), { Authorization: `Bearer ${token}` }),
    );
    expect(answer.status).toBe(403);
    expect(answer.headers["www-authenticate"]).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="missing required scopes: read:messages", scope="read:messages", DPoP algs="ES256"',
    );
  });

  it("a DPoP-bound token with a proof for the URL the client called; not for another URL", async () => {
    const token = await issuer.sign({ sub: "auth0|dpop" }, { dpopJkt: key.thumbprint });
    const call = async (htu: string) => {
      const proof = await issuer.dpopProof({ key, method: "GET", url: htu, accessToken: token });
      return invoke(handler, withHeaders(event(), { Authorization: `DPoP ${token}`, DPoP: proof }));
    };
    expect(await call(url)).toMatchObject({
      status: 200,
      body: { result: { data: "auth0|dpop" } },
    });
    const refused = await call(wrong);
    expect(refused.status).toBe(400);
    expect(refused.body.error?.data?.auth).toEqual({
      error: "invalid_dpop_proof",
      error_description: "DPoP proof htu does not match the request URL",
    });
    expect(refused.headers["www-authenticate"]).toMatch(/DPoP error="invalid_dpop_proof"/);
  });
});

describe("the request URL of a Lambda event", () => {
  it("publicUrl overrides the origin and is prepended to the path (HTTP API mapping key)", async () => {
    // A custom domain with API mapping key `orders`: API Gateway strips the key from rawPath.
    const e = httpApi();
    e.requestContext.domainName = "api.example.com";
    e.headers.host = "api.example.com";
    const mapped = lambdaHandler(
      buildApi(issuer, {
        publicUrl: "https://api.example.com/orders",
        dpop: { mode: "allowed", algorithms: ["ES256"] },
      }),
    );
    const token = await issuer.sign({ sub: "auth0|mapped" }, { dpopJkt: key.thumbprint });
    const call = async (htu: string) => {
      const proof = await issuer.dpopProof({ key, method: "GET", url: htu, accessToken: token });
      return invoke(mapped, withHeaders(e, { authorization: `DPoP ${token}`, dpop: proof }));
    };
    expect(await call("https://api.example.com/orders/trpc/me")).toMatchObject({
      status: 200,
      body: { result: { data: "auth0|mapped" } },
    });
    expect((await call("https://api.example.com/trpc/me")).status).toBe(400);
  });

  it("a bare event passed to createAuthContext is read the same way", async () => {
    const token = await issuer.sign({}, { dpopJkt: key.thumbprint });
    const url = "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod/trpc/me";
    const proof = await issuer.dpopProof({ key, method: "GET", url, accessToken: token });
    const event = withHeaders(restApi(), { Authorization: `DPoP ${token}`, DPoP: proof });
    await expect(api.auth.createAuthContext(event).auth.require()).resolves.toMatchObject({
      sub: "auth0|test-user",
    });
  });
});
