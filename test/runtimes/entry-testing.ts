/**
 * Runtime-matrix check of `scopegate/testing` (the local test issuer, built on node:http) in
 * the runtime it runs in — Bun and Deno, with Node as the control: start it on 127.0.0.1, fetch
 * discovery and the JWKS, verify its tokens through discovery, a DPoP-bound token, the
 * client-credentials endpoint, close. Prints one marked report line; exits 1 on a failure.
 */
import { createAuth } from "scopegate";
import { createTestIssuer, type TestIssuer } from "scopegate/testing";
import { type Case, describeRuntime, eq, Failure, RESULTS_MARKER, runCases } from "./cases.js";

let issuer: TestIssuer | undefined;
const started = () => {
  if (!issuer) throw new Failure("the issuer did not start");
  return issuer;
};
const fetchJson = async (url: string, init?: RequestInit) => {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(5_000) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

const cases: Case[] = [
  [
    "createTestIssuer() listens on 127.0.0.1",
    async () => {
      issuer = await createTestIssuer();
      eq(/^http:\/\/127\.0\.0\.1:\d+\/$/.test(issuer.url), true, `url ${issuer.url}`);
    },
  ],
  [
    "discovery and JWKS over HTTP",
    async () => {
      const i = started();
      const discovery = await fetchJson(`${i.url}.well-known/openid-configuration`);
      eq(
        [discovery.status, discovery.body.issuer, discovery.body.jwks_uri],
        [200, i.url, i.jwksUri],
        "discovery",
      );
      const jwks = await fetchJson(i.jwksUri);
      eq([jwks.status, (jwks.body.keys as unknown[]).length > 0], [200, true], "jwks");
    },
  ],
  [
    "issuer.sign() -> createAuth({ issuer }).verify() through discovery",
    async () => {
      const i = started();
      const auth = createAuth({ issuer: i.url, audience: i.audience });
      const claims = await auth.verify(await i.sign({ sub: "testing-user", scope: "read" }));
      eq([claims.sub, claims.scope, claims.iss], ["testing-user", "read", i.url], "claims");
    },
  ],
  [
    "dpopKey() + dpopProof() -> a bound token verifies",
    async () => {
      const i = started();
      const auth = createAuth({ issuer: i.url, audience: i.audience });
      const key = await i.dpopKey();
      const token = await i.sign({ sub: "dpop" }, { dpopJkt: key.thumbprint });
      const url = "http://127.0.0.1/resource";
      const proof = await i.dpopProof({ key, method: "GET", url, accessToken: token });
      const claims = await auth.verify(token, { method: "GET", url, dpop: proof });
      eq([claims.sub, (claims.cnf as { jkt?: string }).jkt], ["dpop", key.thumbprint], "claims");
    },
  ],
  [
    "client-credentials token endpoint",
    async () => {
      const i = started();
      const res = await fetchJson(i.tokenEndpoint, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "grant_type=client_credentials&client_id=matrix",
      });
      eq(
        [res.status, typeof res.body.access_token, res.body.token_type],
        [200, "string", "Bearer"],
        "token",
      );
      const auth = createAuth({ issuer: i.url, audience: i.audience });
      eq((await auth.verify(res.body.access_token as string)).client_id, "matrix", "client_id");
    },
  ],
  [
    "close()",
    async () => {
      const i = started();
      await i.close();
      issuer = undefined;
      const refused = await fetch(i.jwksUri, { signal: AbortSignal.timeout(2_000) }).then(
        () => false,
        () => true,
      );
      eq(refused, true, "a request after close() is refused");
    },
  ],
];

const results = await runCases(cases, 15_000);
await issuer?.close().catch(() => {});
console.log(RESULTS_MARKER + JSON.stringify({ ...describeRuntime(), results }));
(globalThis as unknown as { process: { exit(code: number): never } }).process.exit(
  results.some((r) => !r.ok) ? 1 : 0,
);
