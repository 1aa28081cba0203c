/**
 * The runtime matrix's HTTP checks of the host examples (examples/trpc/hosts/*,
 * examples/graphql/hosts/*), run by the driver on the Node host against an example served by
 * workerd, Bun or Deno on 127.0.0.1. Tokens and DPoP proofs come from the `scopegate/testing`
 * issuer the driver runs (the packed one).
 */
import type { TestIssuer } from "scopegate/testing";
import { type Case, eq } from "./cases.js";

/** What the checks need to know about the deployment. */
export interface HostTarget {
  /** The tRPC endpoint (`http://127.0.0.1:PORT/trpc`) or the GraphQL one (`…/graphql`). */
  url: string;
  issuer: TestIssuer;
  /** The DPoP algorithms the example's challenges advertise (`createAuth`'s default). */
  dpopAlgs: readonly string[];
}

const timeout = () => AbortSignal.timeout(10_000);

async function call(url: string, init: RequestInit = {}) {
  const res = await fetch(url, { ...init, signal: timeout() });
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {}
  return { status: res.status, challenge: res.headers.get("www-authenticate"), body, text };
}

function expectStatus(
  got: Awaited<ReturnType<typeof call>>,
  status: number,
  challenge: string | null,
): void {
  eq(
    { status: got.status, challenge: got.challenge },
    { status, challenge },
    `response (body ${got.text.slice(0, 300)})`,
  );
}

function challenges(algs: readonly string[]) {
  const dpop = `DPoP algs="${algs.join(" ")}"`;
  return {
    none: `Bearer realm="api", ${dpop}`,
    scope: (scope: string) =>
      `Bearer realm="api", error="insufficient_scope", error_description="missing required scopes: ${scope}", scope="${scope}", ${dpop}`,
    badSignature: `Bearer realm="api", error="invalid_token", error_description="signature verification failed", ${dpop}`,
    replay: `Bearer realm="api", DPoP error="invalid_dpop_proof", error_description="DPoP proof was already used", algs="${algs.join(" ")}"`,
  };
}

function tamper(token: string): string {
  const dot = token.lastIndexOf(".");
  const i = dot + Math.floor((token.length - dot) / 2);
  return token.slice(0, i) + (token[i] === "A" ? "B" : "A") + token.slice(i + 1);
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Checks of the tRPC examples (worker.ts and serve.ts, both serving `appRouter`). */
export function trpcHostCases({ url, issuer, dpopAlgs }: HostTarget): Case[] {
  const c = challenges(dpopAlgs);
  return [
    [
      "tRPC host: public procedure -> 200",
      async () => {
        const got = await call(`${url}/public`);
        expectStatus(got, 200, null);
        eq(got.body.result, { data: "Hello from a public procedure: no token needed." }, "result");
      },
    ],
    [
      "tRPC host: private without a token -> 401 with the challenge",
      async () => expectStatus(await call(`${url}/private`), 401, c.none),
    ],
    [
      "tRPC host: private with a valid token -> 200 with its sub",
      async () => {
        const got = await call(`${url}/private`, {
          headers: bearer(await issuer.sign({ sub: "host-user" })),
        });
        expectStatus(got, 200, null);
        eq(got.body.result, { data: "host-user" }, "result");
      },
    ],
    [
      "tRPC host: tampered signature -> 401 invalid_token",
      async () => {
        const token = tamper(await issuer.sign({ sub: "host-user" }));
        expectStatus(await call(`${url}/private`, { headers: bearer(token) }), 401, c.badSignature);
      },
    ],
    [
      "tRPC host: messages without read:messages -> 403 with scope=",
      async () => {
        const token = await issuer.sign({ sub: "host-user", scope: "profile" });
        expectStatus(
          await call(`${url}/messages`, { headers: bearer(token) }),
          403,
          c.scope("read:messages"),
        );
      },
    ],
    [
      "tRPC host: messages with read:messages (ES256 token) -> 200",
      async () => {
        const token = await issuer.sign({ scope: "read:messages" }, { alg: "ES256" });
        const got = await call(`${url}/messages`, { headers: bearer(token) });
        expectStatus(got, 200, null);
        eq(got.body.result, { data: [{ id: 1, text: "Welcome to scopegate" }] }, "result");
      },
    ],
    [
      "tRPC host: DPoP-bound token with a fresh proof -> 200, the same proof again -> 400",
      async () => {
        const key = await issuer.dpopKey();
        const token = await issuer.sign({ sub: "dpop-host" }, { dpopJkt: key.thumbprint });
        const target = `${url}/private`;
        const proof = await issuer.dpopProof({
          key,
          method: "GET",
          url: target,
          accessToken: token,
        });
        const headers = { authorization: `DPoP ${token}`, dpop: proof };
        const first = await call(target, { headers });
        expectStatus(first, 200, null);
        eq(first.body.result, { data: "dpop-host" }, "result");
        expectStatus(await call(target, { headers }), 400, c.replay);
      },
    ],
  ];
}

/** Checks of the GraphQL example (examples/graphql/schema.ts behind `useAuth`). */
export function graphqlHostCases({ url, issuer, dpopAlgs }: HostTarget): Case[] {
  const c = challenges(dpopAlgs);
  const post = (query: string, headers: Record<string, string> = {}) =>
    call(url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json", ...headers },
      body: JSON.stringify({ query }),
    });
  return [
    [
      "GraphQL host: public field -> 200",
      async () => {
        const got = await post("{ hello }");
        expectStatus(got, 200, null);
        eq(got.body, { data: { hello: "Hello from a public field" } }, "body");
      },
    ],
    [
      "GraphQL host: @auth field without a token -> 401, no data",
      async () => {
        const got = await post("{ hello me { sub } }");
        expectStatus(got, 401, c.none);
        eq("data" in got.body, false, "data present");
      },
    ],
    [
      "GraphQL host: tampered signature -> 401 invalid_token",
      async () => {
        const token = tamper(await issuer.sign({ sub: "host-user" }, { alg: "PS256" }));
        expectStatus(await post("{ me { sub } }", bearer(token)), 401, c.badSignature);
      },
    ],
    [
      "GraphQL host: @auth(scopes) without the scope -> 403 with scope=",
      async () => {
        const token = await issuer.sign({ sub: "host-user" });
        const got = await post("{ messages { id } }", bearer(token));
        expectStatus(got, 403, c.scope("read:messages"));
        const errors = got.body.errors as Array<{ extensions?: { code?: string } }> | undefined;
        eq(errors?.[0]?.extensions?.code, "FORBIDDEN", "extensions.code");
      },
    ],
    [
      "GraphQL host: reader token (EdDSA) -> 200 with data",
      async () => {
        const token = await issuer.sign(
          { sub: "reader", scope: "read:messages", permissions: ["read:users"] },
          { alg: "EdDSA" },
        );
        const got = await post("{ me { sub } messages { id } users { id } }", bearer(token));
        expectStatus(got, 200, null);
        eq(
          got.body,
          {
            data: {
              me: { sub: "reader" },
              messages: [{ id: "1" }, { id: "2" }],
              users: [{ id: "auth0|demo" }],
            },
          },
          "body",
        );
      },
    ],
    [
      "GraphQL host: DPoP-bound token with a fresh proof -> 200",
      async () => {
        const key = await issuer.dpopKey("EdDSA");
        const token = await issuer.sign({ sub: "dpop-host" }, { dpopJkt: key.thumbprint });
        const proof = await issuer.dpopProof({ key, method: "POST", url, accessToken: token });
        const got = await post("{ me { sub } }", { authorization: `DPoP ${token}`, dpop: proof });
        expectStatus(got, 200, null);
        eq(got.body, { data: { me: { sub: "dpop-host" } } }, "body");
      },
    ],
  ];
}
