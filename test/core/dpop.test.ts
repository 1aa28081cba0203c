import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Auth, type AuthError, type AuthOptions, createAuth } from "../../src/index.js";
import { createTestIssuer, type DpopKeyPair, type TestIssuer } from "../../src/testing/index.js";

type Mode = "allowed" | "required" | "disabled";
const URL_ = "https://api.example.com/things/1";
const ALGS = 'algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519"';
const now = () => Math.floor(Date.now() / 1000);

let issuer: TestIssuer;
let key: DpopKeyPair;
let other: DpopKeyPair;
let bound: string;
let unbound: string;
let boundToOther: string;
let expiredBound: string;
const auths = {} as Record<Mode, Auth<unknown>>;

beforeAll(async () => {
  issuer = await createTestIssuer();
  [key, other] = await Promise.all([issuer.dpopKey(), issuer.dpopKey()]);
  bound = await issuer.sign({ scope: "read" }, { dpopJkt: key.thumbprint });
  unbound = await issuer.sign({ scope: "read" });
  boundToOther = await issuer.sign({}, { dpopJkt: other.thumbprint });
  expiredBound = await issuer.sign({}, { dpopJkt: key.thumbprint, expiresIn: -60 });
  for (const mode of ["allowed", "required", "disabled"] as const) {
    auths[mode] = createAuth({ issuer: issuer.url, audience: issuer.audience, dpop: { mode } });
  }
});
afterAll(() => issuer.close());

/** The exact challenge expected for an error, by mode and by the scheme the client used. */
function challenge(
  mode: Mode,
  scheme: "Bearer" | "DPoP" | null,
  code?: string,
  description?: string,
): string {
  const err = code ? `error="${code}", error_description="${description}"` : "";
  const dpopErr = scheme === "DPoP" || code === "invalid_dpop_proof" || code === "use_dpop_nonce";
  if (mode === "disabled") return err ? `Bearer realm="api", ${err}` : 'Bearer realm="api"';
  if (mode === "required") return err ? `DPoP ${err}, ${ALGS}` : `DPoP ${ALGS}`;
  if (err && dpopErr) return `Bearer realm="api", DPoP ${err}, ${ALGS}`;
  return err ? `Bearer realm="api", ${err}, DPoP ${ALGS}` : `Bearer realm="api", DPoP ${ALGS}`;
}

interface Req {
  scheme?: "Bearer" | "DPoP" | "none";
  token?: string;
  proof?: string | string[] | null;
  method?: string;
  url?: string;
}

async function send(
  mode: Mode,
  r: Req,
): Promise<{
  status: number;
  code?: string;
  challenge?: string;
  description?: string;
  reason?: string;
}> {
  const headers: Record<string, string | string[]> = {};
  const scheme = r.scheme ?? "DPoP";
  if (scheme !== "none") headers.authorization = `${scheme} ${r.token ?? bound}`;
  if (r.proof !== null && r.proof !== undefined) headers.dpop = r.proof;
  const { auth } = auths[mode].createAuthContext({
    method: r.method ?? "GET",
    url: r.url ?? URL_,
    headers,
  });
  return auth.require().then(
    () => ({ status: 200 }),
    (e: AuthError) => ({
      status: e.status,
      code: e.code,
      description: e.description,
      challenge: e.headers["WWW-Authenticate"],
      reason: e.reason,
    }),
  );
}

const proof = (o: Partial<Parameters<TestIssuer["dpopProof"]>[0]> = {}) =>
  issuer.dpopProof({ key, method: "GET", url: URL_, accessToken: bound, ...o });

type Row = [
  name: string,
  make: () => Promise<Req>,
  status: number,
  code?: string,
  description?: string,
];

const P400 = "invalid_dpop_proof";
const dpopDefects: Row[] = [
  ["valid proof", async () => ({ proof: await proof() }), 200],
  ["missing DPoP header", async () => ({ proof: null }), 400, P400, "missing DPoP proof"],
  [
    "two DPoP headers",
    async () => ({ proof: [await proof(), await proof()] }),
    400,
    P400,
    "more than one DPoP proof",
  ],
  [
    "comma-joined DPoP values",
    async () => ({ proof: `${await proof()}, ${await proof()}` }),
    400,
    P400,
    "more than one DPoP proof",
  ],
  [
    "proof is not a JWS",
    async () => ({ proof: "not-a-jws" }),
    400,
    P400,
    "DPoP proof is not a compact JWS",
  ],
  [
    "proof over 8 KiB",
    async () => ({ proof: `${"a".repeat(9000)}.b.c` }),
    400,
    P400,
    "DPoP proof too large",
  ],
  [
    "typ JWT",
    async () => ({ proof: await proof({ header: { typ: "JWT" } }) }),
    400,
    P400,
    "DPoP proof typ must be dpop+jwt",
  ],
  [
    "typ missing",
    async () => ({ proof: await proof({ header: { typ: undefined } }) }),
    400,
    P400,
    "DPoP proof typ must be dpop+jwt",
  ],
  [
    "the access token as proof",
    async () => ({ proof: bound }),
    400,
    P400,
    "DPoP proof typ must be dpop+jwt",
  ],
  [
    "alg none (empty signature)",
    async () => ({ proof: await proof({ header: { alg: "none" } }) }),
    400,
    P400,
    "DPoP proof is not a compact JWS",
  ],
  [
    "alg HS256",
    async () => ({ proof: await proof({ header: { alg: "HS256" } }) }),
    400,
    P400,
    "DPoP proof algorithm is not accepted",
  ],
  [
    "no jwk",
    async () => ({ proof: await proof({ header: { jwk: undefined } }) }),
    400,
    P400,
    "DPoP proof has no jwk header",
  ],
  [
    "jwk is a string",
    async () => ({ proof: await proof({ header: { jwk: "x" } }) }),
    400,
    P400,
    "DPoP proof has no jwk header",
  ],
  [
    "jwk with a private member",
    async () => ({ proof: await proof({ header: { jwk: { ...key.publicJwk, d: "AAAA" } } }) }),
    400,
    P400,
    "DPoP proof jwk must be a public key",
  ],
  [
    "another key's jwk in the header (the signature is not even checked)",
    async () => ({ proof: await proof({ header: { jwk: other.publicJwk } }) }),
    401,
    "invalid_token",
    "DPoP proof key does not match the token binding",
  ],
  [
    "jti missing",
    async () => ({ proof: await proof({ claims: { jti: undefined } }) }),
    400,
    P400,
    "DPoP proof jti missing",
  ],
  [
    "htm missing",
    async () => ({ proof: await proof({ claims: { htm: undefined } }) }),
    400,
    P400,
    "DPoP proof htm missing",
  ],
  [
    "htu missing",
    async () => ({ proof: await proof({ claims: { htu: undefined } }) }),
    400,
    P400,
    "DPoP proof htu missing",
  ],
  [
    "iat missing",
    async () => ({ proof: await proof({ claims: { iat: undefined } }) }),
    400,
    P400,
    "DPoP proof iat missing",
  ],
  [
    "iat a string",
    async () => ({ proof: await proof({ claims: { iat: String(now()) } }) }),
    400,
    P400,
    "invalid DPoP proof iat",
  ],
  [
    "ath missing",
    async () => ({ proof: await proof({ accessToken: undefined }) }),
    400,
    P400,
    "DPoP proof ath missing",
  ],
  [
    "ath of another token",
    async () => ({ proof: await proof({ accessToken: unbound }) }),
    400,
    P400,
    "DPoP proof ath does not match the access token",
  ],
  [
    "htm POST for a GET",
    async () => ({ proof: await proof({ method: "POST" }) }),
    400,
    P400,
    "DPoP proof htm does not match the request method",
  ],
  [
    "htm lower-case get (methods are case-sensitive)",
    async () => ({ proof: await proof({ method: "get" }) }),
    400,
    P400,
    "DPoP proof htm does not match the request method",
  ],
  [
    "htu on another host",
    async () => ({ proof: await proof({ url: "https://evil.example.com/things/1" }) }),
    400,
    P400,
    "DPoP proof htu does not match the request URL",
  ],
  [
    "htu on another path",
    async () => ({ proof: await proof({ url: "https://api.example.com/things/2" }) }),
    400,
    P400,
    "DPoP proof htu does not match the request URL",
  ],
  [
    "htu with http instead of https",
    async () => ({ proof: await proof({ url: "http://api.example.com/things/1" }) }),
    400,
    P400,
    "DPoP proof htu does not match the request URL",
  ],
  [
    "htu not a URL",
    async () => ({ proof: await proof({ claims: { htu: "things/1" } }) }),
    400,
    P400,
    "DPoP proof htu does not match the request URL",
  ],
  [
    "htu with a query (ignored)",
    async () => ({ proof: await proof({ claims: { htu: `${URL_}?a=1#f` } }) }),
    200,
  ],
  [
    "request with a query (ignored)",
    async () => ({ proof: await proof(), url: `${URL_}?page=2` }),
    200,
  ],
  [
    "htu upper-case host and :443",
    async () => ({
      proof: await proof({ claims: { htu: "HTTPS://API.Example.COM:443/things/1" } }),
    }),
    200,
  ],
  [
    "htu with dot segments",
    async () => ({
      proof: await proof({ claims: { htu: "https://api.example.com/a/../things/./1" } }),
    }),
    200,
  ],
  [
    "percent-encoding case and unreserved",
    async () => ({
      proof: await proof({ claims: { htu: "https://api.example.com/th%69ngs/%7e" } }),
      url: "https://api.example.com/things/%7E",
    }),
    200,
  ],
  [
    "empty path equals /",
    async () => ({
      proof: await proof({ claims: { htu: "https://api.example.com" } }),
      url: "https://api.example.com/",
    }),
    200,
  ],
  [
    "iat 400 s old",
    async () => ({ proof: await proof({ iat: now() - 400 }) }),
    400,
    P400,
    "DPoP proof is too old",
  ],
  [
    "iat 60 s ahead",
    async () => ({ proof: await proof({ iat: now() + 60 }) }),
    400,
    P400,
    "DPoP proof iat is in the future",
  ],
  [
    "iat 10 s ahead (within leeway)",
    async () => ({ proof: await proof({ iat: now() + 10 }) }),
    200,
  ],
  [
    "token bound to another key",
    async () => ({ token: boundToOther, proof: await proof({ accessToken: boundToOther }) }),
    401,
    "invalid_token",
    "DPoP proof key does not match the token binding",
  ],
  [
    "token not bound",
    async () => ({ token: unbound, proof: await proof({ accessToken: unbound }) }),
    401,
    "invalid_token",
    "access token is not DPoP-bound",
  ],
  [
    "expired bound token",
    async () => ({ token: expiredBound, proof: await proof({ accessToken: expiredBound }) }),
    401,
    "invalid_token",
    "token expired",
  ],
];

const dpopRows: Array<[Mode, ...Row]> = [
  ...dpopDefects.map((r): [Mode, ...Row] => ["allowed", ...r]),
  ...dpopDefects.map((r): [Mode, ...Row] => ["required", ...r]),
  [
    "disabled",
    "DPoP scheme refused",
    async () => ({ proof: await proof() }),
    400,
    "invalid_request",
    "the DPoP scheme is not accepted; use Bearer",
  ],
];

const bearerRows: Array<[Mode, string, () => Promise<Req>, number, string?, string?]> = [
  ["allowed", "Bearer, unbound token", async () => ({ scheme: "Bearer", token: unbound }), 200],
  [
    "allowed",
    "Bearer, bound token",
    async () => ({ scheme: "Bearer", token: bound }),
    401,
    "invalid_token",
    "DPoP-bound access token sent with the Bearer scheme",
  ],
  [
    "allowed",
    "Bearer with a DPoP header",
    async () => ({
      scheme: "Bearer",
      token: unbound,
      proof: await proof({ accessToken: unbound }),
    }),
    400,
    "invalid_request",
    "DPoP proof sent with the Bearer scheme; use the DPoP scheme",
  ],
  ["allowed", "no credentials", async () => ({ scheme: "none" }), 401],
  [
    "required",
    "Bearer, unbound token",
    async () => ({ scheme: "Bearer", token: unbound }),
    400,
    "invalid_request",
    "DPoP-bound access token required; use the DPoP scheme",
  ],
  [
    "required",
    "Bearer, bound token",
    async () => ({ scheme: "Bearer", token: bound }),
    400,
    "invalid_request",
    "DPoP-bound access token required; use the DPoP scheme",
  ],
  [
    "required",
    "Bearer with a DPoP header",
    async () => ({ scheme: "Bearer", token: bound, proof: await proof() }),
    400,
    "invalid_request",
    "DPoP-bound access token required; use the DPoP scheme",
  ],
  ["required", "no credentials", async () => ({ scheme: "none" }), 401],
  ["disabled", "Bearer, unbound token", async () => ({ scheme: "Bearer", token: unbound }), 200],
  [
    "disabled",
    "Bearer, bound token (accepted as Bearer only here)",
    async () => ({ scheme: "Bearer", token: bound }),
    200,
  ],
  [
    "disabled",
    "Bearer with a DPoP header (ignored)",
    async () => ({
      scheme: "Bearer",
      token: unbound,
      proof: await proof({ accessToken: unbound }),
    }),
    200,
  ],
  ["disabled", "no credentials", async () => ({ scheme: "none" }), 401],
];

describe("DPoP scenarios: scheme × mode × defect", () => {
  it("has at least 60 rows", () => {
    expect(dpopRows.length + bearerRows.length).toBeGreaterThanOrEqual(60);
  });

  it.each(dpopRows)("%s / DPoP / %s", async (mode, _name, make, status, code, description) => {
    const result = await send(mode, { scheme: "DPoP", ...(await make()) });
    expect(result.status).toBe(status);
    if (status !== 200) {
      expect(result.code).toBe(code);
      expect(result.description).toBe(description);
      expect(result.challenge).toBe(challenge(mode, "DPoP", code, description));
    }
  });

  it.each(bearerRows)("%s / %s", async (mode, _name, make, status, code, description) => {
    const req = await make();
    const result = await send(mode, req);
    expect(result.status).toBe(status);
    if (status !== 200) {
      expect(result.code).toBe(code ?? "unauthorized");
      expect(result.challenge).toBe(
        challenge(mode, req.scheme === "none" ? null : "Bearer", code, description),
      );
    }
  });
});

describe("scheme rules: reasons and whitespace (found by mutation testing)", () => {
  it("each scheme rule refuses with its own reason", async () => {
    const cases: Array<[Mode, Req, string]> = [
      ["required", { scheme: "Bearer", token: unbound }, "dpop_required"],
      ["disabled", { scheme: "DPoP", proof: await proof() }, "dpop_disabled"],
      ["allowed", { scheme: "Bearer", token: unbound, proof: await proof() }, "malformed_header"],
      ["allowed", { scheme: "Bearer", token: bound }, "dpop_bound_token_as_bearer"],
      ["allowed", { scheme: "DPoP", token: unbound, proof: await proof() }, "dpop_proof"],
    ];
    for (const [mode, req, reason] of cases) {
      expect(await send(mode, req), `${mode} ${req.scheme}`).toMatchObject({ reason });
    }
  });

  it("a DPoP header value with surrounding spaces is the proof it holds", async () => {
    expect(await send("allowed", { proof: `  ${await proof()}  ` })).toEqual({ status: 200 });
  });
});

describe("replay, nonces, algorithms", () => {
  it("a replayed proof is refused; a fresh one passes", async () => {
    const p = await proof();
    expect((await send("allowed", { proof: p })).status).toBe(200);
    expect(await send("allowed", { proof: p })).toMatchObject({
      status: 400,
      code: P400,
      description: "DPoP proof was already used",
    });
    expect((await send("allowed", { proof: await proof() })).status).toBe(200);
  });

  it("a replay store that fails → 503, fail closed", async () => {
    const auth = createAuth({
      issuer: issuer.url,
      audience: issuer.audience,
      dpop: { replayStore: { add: async () => Promise.reject(new Error("redis down")) } },
    });
    const { auth: state } = auth.createAuthContext({
      method: "GET",
      url: URL_,
      headers: { authorization: `DPoP ${bound}`, dpop: await proof() },
    });
    await expect(state.require()).rejects.toMatchObject({
      status: 503,
      code: "temporarily_unavailable",
    });
  });

  it("a replay store that never answers → 503 at replayStoreTimeout, not a hang; a slow one within it passes", async () => {
    const stalled = { add: () => new Promise<boolean>(() => {}) };
    const slow = {
      add: () => new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 50)),
    };
    const request = async (store: typeof stalled, timeout?: number) => {
      const auth = createAuth({
        issuer: issuer.url,
        audience: issuer.audience,
        dpop: {
          replayStore: store,
          ...(timeout === undefined ? {} : { replayStoreTimeout: timeout }),
        },
      });
      const { auth: state } = auth.createAuthContext({
        method: "GET",
        url: URL_,
        headers: { authorization: `DPoP ${bound}`, dpop: await proof() },
      });
      const started = Date.now();
      const outcome = await state.require().then(
        () => "ok",
        (e: { status: number; code: string; headers: Record<string, string>; cause?: unknown }) =>
          e,
      );
      return { outcome, ms: Date.now() - started };
    };
    const short = await request(stalled, 0.2);
    expect(short.outcome).toMatchObject({
      status: 503,
      code: "temporarily_unavailable",
      reason: "replay_store_unavailable",
      headers: { "Retry-After": "1" },
    });
    expect(String((short.outcome as { cause?: unknown }).cause)).toMatch(/within 0.2 s/);
    expect(short.ms).toBeGreaterThanOrEqual(150);
    // The default deadline is 1 s.
    const byDefault = await request(stalled);
    expect(byDefault.outcome).toMatchObject({ status: 503 });
    expect(byDefault.ms).toBeGreaterThanOrEqual(900);
    expect((await request(slow, 1)).outcome).toBe("ok");
  });

  it("nonce: missing → 401 use_dpop_nonce + DPoP-Nonce; retry with it → 200 and a nonce on the response", async () => {
    const auth = createAuth({
      issuer: issuer.url,
      audience: issuer.audience,
      dpop: { nonce: { secret: "0123456789abcdef0123456789abcdef" } },
    });
    const call = async (nonce?: string) => {
      const resHeaders = new Headers();
      const req = new Request(URL_, {
        headers: { authorization: `DPoP ${bound}`, dpop: await proof({ nonce }) },
      });
      const { auth: state } = auth.createAuthContext({ req, resHeaders });
      const outcome = await state.require().then(
        () => 200,
        (e: AuthError) => e,
      );
      return { outcome, resHeaders };
    };
    const first = await call();
    const e = first.outcome as AuthError;
    expect(e).toMatchObject({
      status: 401,
      code: "use_dpop_nonce",
      description: "DPoP nonce required",
    });
    const nonce = e.headers["DPoP-Nonce"] as string;
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{30}$/);
    expect(e.headers["WWW-Authenticate"]).toBe(
      challenge("allowed", "DPoP", "use_dpop_nonce", "DPoP nonce required"),
    );
    expect(first.resHeaders.get("dpop-nonce")).toBe(nonce);
    expect(first.resHeaders.get("www-authenticate")).toBe(e.headers["WWW-Authenticate"]);
    const second = await call(nonce);
    expect(second.outcome).toBe(200);
    expect(second.resHeaders.get("dpop-nonce")).toBe(nonce);
    const stale = await call("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    expect(stale.outcome).toMatchObject({
      status: 401,
      code: "use_dpop_nonce",
      description: "DPoP nonce is stale",
    });
  });

  it("two instances sharing a nonce secret accept each other's nonces", async () => {
    const secret = "shared-secret-shared-secret-0000";
    const a = createAuth({
      issuer: issuer.url,
      audience: issuer.audience,
      dpop: { nonce: { secret } },
    });
    const b = createAuth({
      issuer: issuer.url,
      audience: issuer.audience,
      dpop: { nonce: { secret } },
    });
    const first = await a
      .verify(bound, { method: "GET", url: URL_, dpop: await proof() })
      .catch((e: AuthError) => e);
    const nonce = (first as AuthError).headers["DPoP-Nonce"];
    await expect(
      b.verify(bound, { method: "GET", url: URL_, dpop: await proof({ nonce }) }),
    ).resolves.toMatchObject({ cnf: { jkt: key.thumbprint }, iss: issuer.url });
  });

  it.each(["ES256", "ES384", "RS256", "PS256", "EdDSA", "Ed25519"] as const)(
    "accepts %s proofs",
    async (alg) => {
      const k = await issuer.dpopKey(alg);
      const token = await issuer.sign({ sub: `dpop-${alg}` }, { dpopJkt: k.thumbprint });
      const p = await issuer.dpopProof({ key: k, method: "GET", url: URL_, accessToken: token });
      await expect(
        auths.allowed.verify(token, { method: "GET", url: URL_, dpop: p }),
      ).resolves.toMatchObject({ sub: `dpop-${alg}`, cnf: { jkt: k.thumbprint } });
    },
  );

  it("dpop.algorithms restricts proof algorithms and the advertised algs", async () => {
    const auth = createAuth({
      issuer: issuer.url,
      audience: issuer.audience,
      dpop: { algorithms: ["ES256"] },
    });
    const k = await issuer.dpopKey("RS256");
    const token = await issuer.sign({}, { dpopJkt: k.thumbprint });
    const p = await issuer.dpopProof({ key: k, method: "GET", url: URL_, accessToken: token });
    const e = (await auth
      .verify(token, { method: "GET", url: URL_, dpop: p })
      .catch((x: AuthError) => x)) as AuthError;
    expect(e.headers["WWW-Authenticate"]).toBe(
      'Bearer realm="api", DPoP error="invalid_dpop_proof", error_description="DPoP proof algorithm is not accepted", algs="ES256"',
    );
  });

  it("dpop option validation", () => {
    const base = { issuer: "https://idp.example/", audience: "a" };
    expect(() =>
      createAuth({ ...base, dpop: { mode: "sometimes" } } as unknown as AuthOptions),
    ).toThrow(/dpop\.mode/);
    expect(() => createAuth({ ...base, dpop: { algorithms: ["HS256"] } })).toThrow(
      /dpop\.algorithms/,
    );
    expect(() => createAuth({ ...base, dpop: { algorithms: [] } })).toThrow(/dpop\.algorithms/);
    expect(() =>
      createAuth({ ...base, dpop: { replayStore: {} } } as unknown as AuthOptions),
    ).toThrow(/dpop\.replayStore/);
    expect(() => createAuth({ ...base, dpop: { nonce: { secret: "short" } } })).toThrow(
      /dpop\.nonce/,
    );
  });

  it("a proof signed by a key of the wrong type for its alg → 400", async () => {
    const p = await proof({ header: { alg: "RS256" } });
    expect(await send("allowed", { proof: p })).toMatchObject({ status: 400, code: P400 });
  });
});

describe("public URL of the request (htu)", () => {
  const base = () => ({ method: "GET", url: "/things/1" });
  const nodeReq = async (headers: Record<string, string>, remoteAddress = "10.0.0.2") => ({
    ...base(),
    headers: {
      authorization: `DPoP ${bound}`,
      dpop: await proof(),
      host: "internal:8080",
      ...headers,
    },
    socket: { remoteAddress },
  });
  const run = async (opts: Partial<AuthOptions>, req: unknown) => {
    const auth = createAuth({
      issuer: issuer.url,
      audience: issuer.audience,
      ...opts,
    } as AuthOptions);
    return auth
      .createAuthContext(req as never)
      .auth.require()
      .then(
        () => 200,
        (e: AuthError) => `${e.status} ${e.description}`,
      );
  };
  const forwarded = { "x-forwarded-host": "api.example.com", "x-forwarded-proto": "https" };

  it("without trustProxy, X-Forwarded-* is ignored (htu check fails)", async () => {
    expect(await run({}, await nodeReq(forwarded))).toBe(
      "400 DPoP proof htu does not match the request URL",
    );
  });
  it("trustProxy: true reads X-Forwarded-Host/Proto", async () => {
    expect(await run({ trustProxy: true }, await nodeReq(forwarded))).toBe(200);
  });
  it("trustProxy: 1 takes the nearest proxy's value", async () => {
    const h = {
      "x-forwarded-host": "evil.example, api.example.com",
      "x-forwarded-proto": "http, https",
    };
    expect(await run({ trustProxy: 1 }, await nodeReq(h))).toBe(200);
  });
  it("trustProxy predicate on the remote address", async () => {
    const trustProxy = (addr: string) => addr === "10.0.0.2";
    expect(await run({ trustProxy }, await nodeReq(forwarded))).toBe(200);
    expect(await run({ trustProxy }, await nodeReq(forwarded, "192.0.2.9"))).toBe(
      "400 DPoP proof htu does not match the request URL",
    );
  });
  it("RFC 7239 Forwarded", async () => {
    expect(
      await run(
        { trustProxy: true },
        await nodeReq({ forwarded: 'for=1.2.3.4;host="api.example.com";proto=https' }),
      ),
    ).toBe(200);
  });
  it("X-Forwarded-Prefix and X-Forwarded-Port", async () => {
    const p = await issuer.dpopProof({
      key,
      method: "GET",
      url: "https://api.example.com:8443/v1/things/1",
      accessToken: bound,
    });
    const req = {
      ...base(),
      headers: {
        authorization: `DPoP ${bound}`,
        dpop: p,
        host: "internal",
        "x-forwarded-host": "api.example.com",
        "x-forwarded-proto": "https",
        "x-forwarded-port": "8443",
        "x-forwarded-prefix": "/v1",
      },
    };
    expect(await run({ trustProxy: true }, req)).toBe(200);
  });
  it("an injected forwarded host → 400 invalid_request", async () => {
    expect(
      await run(
        { trustProxy: true },
        await nodeReq({ "x-forwarded-host": "api.example.com/evil?x=" }),
      ),
    ).toBe("400 malformed forwarded host or protocol");
    expect(
      await run({ trustProxy: true }, await nodeReq({ "x-forwarded-proto": "javascript" })),
    ).toBe("400 malformed forwarded host or protocol");
  });
  it("publicUrl (with a path prefix) overrides the request origin", async () => {
    const p = await issuer.dpopProof({
      key,
      method: "GET",
      url: "https://api.example.com/api/things/1",
      accessToken: bound,
    });
    const req = {
      ...base(),
      headers: { authorization: `DPoP ${bound}`, dpop: p, host: "internal:8080" },
    };
    expect(await run({ publicUrl: "https://api.example.com/api/" }, req)).toBe(200);
  });
  it("Node request without trust: Host header and socket encryption make the URL", async () => {
    const p = await issuer.dpopProof({
      key,
      method: "GET",
      url: "http://internal:8080/things/1",
      accessToken: bound,
    });
    const req = {
      ...base(),
      headers: { authorization: `DPoP ${bound}`, dpop: p, host: "internal:8080" },
    };
    expect(await run({}, req)).toBe(200);
  });
});
