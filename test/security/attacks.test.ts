/**
 * The attack catalogue: named hostile inputs, each expected to be refused with an exact
 * status, RFC 6750 / 9449 `code` and `reason` — through the public API
 * (`auth.createAuthContext(input).auth.require()`), through a bare node:http server
 * (`createAuthContext({ req, res })`) and through the tRPC standalone adapter
 * (`createContext: auth.createAuthContext`), all on 127.0.0.1.
 *
 * SECURITY.md lists the catalogue with the RFC section behind each check.
 */
import { createPublicKey, verify as nodeVerify } from "node:crypto";
import { CompactEncrypt, importJWK, type JWK } from "jose";
import {
  type AccessTokenClaims,
  type Auth,
  AuthError,
  type AuthErrorCode,
  type AuthErrorReason,
  createAuth,
  MAX_TOKEN_LENGTH,
} from "scopegate";
import { createTestIssuer, type DpopKeyPair, type TestIssuer } from "scopegate/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  b64u,
  fetchWithExtraKeys,
  handSign,
  headerOf,
  hmacSign,
  type LabKey,
  labKey,
  type Req,
  type Running,
  rawToDer,
  segments,
  send,
  startNodeServer,
  startTrpcServer,
  TRPC_REASON_HEADER,
  trpcAuthData,
} from "./support.js";

type Channel = "public API" | "node:http" | "tRPC standalone";
const CHANNELS: Channel[] = ["public API", "node:http", "tRPC standalone"];

interface Expected {
  status: 400 | 401 | 403;
  code: AuthErrorCode;
  reason: AuthErrorReason;
}

interface Hostile {
  name: string;
  /** Builds the request for the absolute URL of the resource it is sent to. */
  build(target: string): Promise<Req>;
  expect: Expected;
  /** Sent to the `read:messages` resource instead of the plain `require()` one. */
  scoped?: boolean;
  /** Send the same request twice: the first must pass, the second is the attack. */
  replay?: boolean;
  /** Channels the input can travel on (default: all). */
  channels?: Channel[];
  /** Extra assertions after the case ran on a channel (e.g. that nothing was fetched). */
  after?(): void;
}

const now = () => Math.floor(Date.now() / 1000);

let issuer: TestIssuer;
/** A second, genuine issuer: the attacker's key server. Its `hits` must stay 0. */
let other: TestIssuer;
let ourKid: string;
let ourRsaJwk: JWK;
let dpopKey: DpopKeyPair;
let otherDpopKey: DpopKeyPair;

/** Published in the issuer's JWKS (through `fetchWithExtraKeys`): tokens we sign by hand. */
const lab: LabKey = labKey("lab-rsa-2048", { rsa: 2048 });
/** Published too, but only 1024 bits: must never verify anything. */
const weak: LabKey = labKey("weak-rsa-1024", { rsa: 1024 });
/** Never published: the attacker's own keys. */
const attackerRsa: LabKey = labKey("attacker-rsa", { rsa: 2048 });
const attackerEc: LabKey = labKey("attacker-ec", "p256");
/** A symmetric key slipped into the JWKS (a misconfigured issuer): must be ignored. */
const OCT_SECRET = "a-shared-secret-that-must-never-verify-anything";
const octJwk = { kty: "oct", kid: "oct-1", alg: "HS256", k: b64u(OCT_SECRET) };

const auths = new Map<Channel, Auth<AccessTokenClaims>>();
const servers = new Map<Channel, Running>();

function makeAuth(): Auth<AccessTokenClaims> {
  return createAuth({
    issuer: issuer.url,
    audience: issuer.audience,
    fetch: fetchWithExtraKeys([lab.jwk, weak.jwk, octJwk]),
    // One unknown-kid refetch for the whole run: the fetch counts below stay exact.
    cache: { cooldown: 600 },
  });
}

beforeAll(async () => {
  [issuer, other] = await Promise.all([createTestIssuer(), createTestIssuer()]);
  // Publish every algorithm the catalogue uses before any verifier fetches the JWKS.
  await Promise.all([issuer.sign({}, { alg: "ES256" }), issuer.sign({}, { alg: "EdDSA" })]);
  ourKid = String(headerOf(await issuer.sign()).kid);
  ourRsaJwk = issuer.jwks().keys.find((k) => k.kid === ourKid) as JWK;
  [dpopKey, otherDpopKey] = await Promise.all([issuer.dpopKey(), issuer.dpopKey()]);
  for (const channel of CHANNELS) auths.set(channel, makeAuth());
  servers.set(
    "node:http",
    await startNodeServer(auths.get("node:http") as Auth<AccessTokenClaims>),
  );
  servers.set(
    "tRPC standalone",
    await startTrpcServer(auths.get("tRPC standalone") as Auth<AccessTokenClaims>),
  );
});

afterAll(async () => {
  await Promise.all([...servers.values()].map((s) => s.close()));
  await Promise.all([issuer?.close(), other?.close()]);
});

// ---------------------------------------------------------------------------------------
// Token builders

/** The claims of a token that would pass every check. */
const goodClaims = (extra: Record<string, unknown> = {}) => ({
  iss: issuer.url,
  aud: issuer.audience,
  sub: "auth0|lab",
  iat: now(),
  exp: now() + 600,
  ...extra,
});
const labHeader = (extra: Record<string, unknown> = {}) => ({
  alg: "RS256",
  kid: lab.kid,
  typ: "JWT",
  ...extra,
});
/** A JSON text of the good claims with `tail` spliced in before the closing brace. */
const claimsJson = (tail: string, without: string[] = []) => {
  const c: Record<string, unknown> = goodClaims();
  for (const k of without) delete c[k];
  return `${JSON.stringify(c).slice(0, -1)}${tail}}`;
};

const bearer = (token: string): Req => ({ headers: { authorization: `Bearer ${token}` } });
const withBearer = (token: () => Promise<string> | string) => async () => bearer(await token());
const withHeader = (value: string | string[]) => async (): Promise<Req> => ({
  headers: { authorization: value },
});

/** Replaces segments of a token. */
function splice(token: string, parts: { header?: string; payload?: string; signature?: string }) {
  const [h, p, s] = segments(token);
  return `${parts.header ?? h}.${parts.payload ?? p}.${parts.signature ?? s}`;
}
const sigBytes = (token: string) => Buffer.from(segments(token)[2], "base64url");

/** A valid access token from the real issuer (the baseline every attack mutates). */
const genuine = (claims: Record<string, unknown> = {}) =>
  issuer.sign({ scope: "read:messages", ...claims });

/** DPoP request: `Authorization: DPoP <token>` plus a proof for `target`. */
async function dpop(
  target: string,
  opts: {
    token?: string;
    key?: DpopKeyPair;
    proof?: Parameters<TestIssuer["dpopProof"]>[0];
    header?: Record<string, unknown>;
    claims?: Record<string, unknown>;
  } = {},
): Promise<Req> {
  const token =
    opts.token ?? (await issuer.sign({ scope: "read:messages" }, { dpopJkt: dpopKey.thumbprint }));
  const proof = await issuer.dpopProof(
    opts.proof ?? {
      key: opts.key ?? dpopKey,
      method: "GET",
      url: target,
      accessToken: token,
      header: opts.header,
      claims: opts.claims,
    },
  );
  return { headers: { authorization: `DPoP ${token}`, dpop: proof } };
}

const noOtherFetch = () =>
  expect(other.hits).toEqual({ discovery: 0, jwks: 0, token: 0, introspection: 0 });

const E400 = (reason: AuthErrorReason): Expected => ({
  status: 400,
  code: "invalid_request",
  reason,
});
const E401 = (reason: AuthErrorReason): Expected => ({
  status: 401,
  code: "invalid_token",
  reason,
});
const PROOF400: Expected = { status: 400, code: "invalid_dpop_proof", reason: "dpop_proof" };
const SCOPE403: Expected = {
  status: 403,
  code: "insufficient_scope",
  reason: "insufficient_scope",
};
const UNAUTH401: Expected = { status: 401, code: "unauthorized", reason: "missing_token" };

// ---------------------------------------------------------------------------------------
// The catalogue

const CATALOGUE: Hostile[] = [
  // --- alg: none, symmetric, confusion (RFC 8725 §2.1, §3.1–3.2; RFC 7518 §3.6)
  ...["none", "None", "NONE", "nOnE"].map(
    (alg): Hostile => ({
      name: `alg "${alg}" with an empty signature`,
      build: withBearer(() => issuer.sign({ scope: "read:messages" }, { header: { alg } })),
      expect: E401("algorithm_not_allowed"),
    }),
  ),
  {
    name: 'alg "none" keeping the original RS256 signature',
    build: withBearer(async () => {
      const t = await genuine();
      return splice(t, { header: b64u(JSON.stringify({ ...headerOf(t), alg: "none" })) });
    }),
    expect: E401("algorithm_not_allowed"),
  },
  {
    name: "HS256 signed with the issuer's RSA public key (SPKI PEM) as the HMAC secret",
    build: withBearer(() => {
      const pem = createPublicKey({ key: ourRsaJwk, format: "jwk" }).export({
        type: "spki",
        format: "pem",
      });
      return hmacSign({ alg: "HS256", kid: ourKid, typ: "JWT" }, goodClaims(), pem as string);
    }),
    expect: E401("algorithm_not_allowed"),
  },
  {
    name: "HS256 signed with the issuer's RSA modulus n as the HMAC secret",
    build: withBearer(() =>
      hmacSign({ alg: "HS256", kid: ourKid }, goodClaims(), String(ourRsaJwk.n)),
    ),
    expect: E401("algorithm_not_allowed"),
  },
  {
    name: "HS256 with the k of a symmetric key the JWKS wrongly publishes",
    build: withBearer(() =>
      hmacSign({ alg: "HS256", kid: octJwk.kid, typ: "JWT" }, goodClaims(), OCT_SECRET),
    ),
    expect: E401("algorithm_not_allowed"),
  },
  {
    name: 'alg as an array ["RS256"]',
    build: withBearer(() => handSign(labHeader({ alg: ["RS256"] }), goodClaims(), lab)),
    expect: E401("algorithm_not_allowed"),
  },
  {
    name: "alg ES256K (not an accepted algorithm)",
    build: withBearer(() => handSign(labHeader({ alg: "ES256K" }), goodClaims(), lab)),
    expect: E401("algorithm_not_allowed"),
  },
  {
    name: "RS256 token relabelled PS256 (same RSA key, algorithm confusion)",
    build: withBearer(async () => {
      const t = await genuine();
      return splice(t, { header: b64u(JSON.stringify({ ...headerOf(t), alg: "PS256" })) });
    }),
    expect: E401("no_matching_key"),
  },
  {
    name: "EdDSA header naming the kid of the RSA key",
    build: withBearer(async () => {
      const t = await genuine();
      return splice(t, { header: b64u(JSON.stringify({ ...headerOf(t), alg: "EdDSA" })) });
    }),
    expect: E401("no_matching_key"),
  },
  {
    name: "signature stripped (header.payload.)",
    build: withBearer(async () => splice(await genuine(), { signature: "" })),
    expect: E401("invalid_signature"),
  },
  {
    name: "genuine signature transplanted onto a forged payload (scope added)",
    build: withBearer(async () => {
      const t = await genuine({ scope: "read:nothing" });
      const forged = JSON.parse(Buffer.from(segments(t)[1], "base64url").toString("utf8"));
      return splice(t, { payload: b64u(JSON.stringify({ ...forged, scope: "read:messages" })) });
    }),
    scoped: true,
    expect: E401("invalid_signature"),
  },
  {
    name: "1024-bit RSA key published in the JWKS (RFC 7518 §3.3 asks for ≥ 2048)",
    build: withBearer(() =>
      issuer.sign(
        { scope: "read:messages" },
        { key: weak.privateKey, alg: "RS256", kid: weak.kid },
      ),
    ),
    // Dropped when the JWKS is loaded (outside the 2048–8192-bit bounds).
    expect: E401("no_matching_key"),
  },
  {
    name: "ES256 signature DER-encoded instead of raw r||s (RFC 7518 §3.4)",
    build: withBearer(async () => {
      const t = await issuer.sign({ scope: "read:messages" }, { alg: "ES256" });
      return splice(t, { signature: b64u(rawToDer(sigBytes(t))) });
    }),
    expect: E401("invalid_signature"),
  },
  {
    name: "ES256 all-zero signature (psychic signatures, CVE-2022-21449)",
    build: withBearer(async () =>
      splice(await issuer.sign({}, { alg: "ES256" }), { signature: b64u(Buffer.alloc(64)) }),
    ),
    expect: E401("invalid_signature"),
  },
  {
    name: "ES256 signature truncated to 63 bytes",
    build: withBearer(async () => {
      const t = await issuer.sign({}, { alg: "ES256" });
      return splice(t, { signature: b64u(sigBytes(t).subarray(0, 63)) });
    }),
    expect: E401("invalid_signature"),
  },
  {
    name: "EdDSA all-zero signature",
    build: withBearer(async () =>
      splice(await issuer.sign({}, { alg: "EdDSA" }), { signature: b64u(Buffer.alloc(64)) }),
    ),
    expect: E401("invalid_signature"),
  },
  {
    name: "signed by another issuer's key under our kid",
    build: withBearer(() =>
      other.sign(
        { iss: issuer.url, aud: issuer.audience, scope: "read:messages" },
        { kid: ourKid },
      ),
    ),
    expect: E401("invalid_signature"),
  },
  {
    name: "signed by another issuer's key under its own kid, claiming our iss",
    build: withBearer(() => other.sign({ iss: issuer.url, aud: issuer.audience })),
    expect: E401("no_matching_key"),
    after: noOtherFetch,
  },

  // --- key-location headers are never used (RFC 8725 §3.10, RFC 7515 §4.1.2–4.1.6)
  {
    name: "jku pointing at another issuer's JWKS (its key, its kid): nothing fetched",
    build: withBearer(() =>
      other.sign({ iss: issuer.url, aud: issuer.audience }, { header: { jku: other.jwksUri } }),
    ),
    expect: E401("no_matching_key"),
    after: noOtherFetch,
  },
  {
    name: "jku pointing at another issuer's JWKS, our kid: nothing fetched",
    build: withBearer(() =>
      other.sign(
        { iss: issuer.url, aud: issuer.audience },
        { kid: ourKid, header: { jku: other.jwksUri } },
      ),
    ),
    expect: E401("invalid_signature"),
    after: noOtherFetch,
  },
  {
    name: "x5u pointing at another issuer: nothing fetched",
    build: withBearer(() =>
      other.sign({ iss: issuer.url, aud: issuer.audience }, { header: { x5u: other.jwksUri } }),
    ),
    expect: E401("no_matching_key"),
    after: noOtherFetch,
  },
  {
    name: "embedded jwk header with the attacker's key, no kid",
    build: withBearer(() => {
      const { kid: _k, alg: _a, use: _u, ...jwk } = attackerEc.jwk;
      return handSign({ alg: "ES256", typ: "JWT", jwk }, goodClaims(), attackerEc);
    }),
    expect: E401("invalid_signature"),
  },
  {
    name: "embedded jwk header equal to the issuer's public key, signed by the attacker",
    build: withBearer(() =>
      handSign(
        { alg: "RS256", kid: ourKid, typ: "JWT", jwk: ourRsaJwk },
        goodClaims(),
        attackerRsa,
      ),
    ),
    expect: E401("invalid_signature"),
  },
  {
    name: "x5c header carrying the attacker's key, no kid",
    build: withBearer(() => {
      const der = attackerRsa.publicKey.export({ type: "spki", format: "der" });
      return handSign(
        { alg: "RS256", typ: "JWT", x5c: [der.toString("base64")] },
        goodClaims(),
        attackerRsa,
      );
    }),
    expect: E401("invalid_signature"),
  },

  // --- kid (RFC 8725 §3.10: kid is an opaque lookup key, never a path or a query)
  {
    name: "kid path traversal ../../../../etc/passwd",
    build: withBearer(() => issuer.sign({}, { kid: "../../../../../../etc/passwd" })),
    expect: E401("no_matching_key"),
  },
  {
    name: "kid SQL-ish ' OR '1'='1' --",
    build: withBearer(() => issuer.sign({}, { kid: "' OR '1'='1' --" })),
    expect: E401("no_matching_key"),
  },
  {
    name: "kid with NUL, CR and LF",
    build: withBearer(() => issuer.sign({}, { kid: `${ourKid}\u0000\r\nX-Injected: 1` })),
    expect: E401("no_matching_key"),
  },
  {
    name: "kid of 10 KB",
    build: withBearer(() => issuer.sign({}, { kid: "k".repeat(10 * 1024) })),
    expect: E401("malformed_token"),
  },
  {
    name: "kid as a number",
    build: withBearer(() => handSign(labHeader({ kid: 1 }), goodClaims(), lab)),
    expect: E401("malformed_token"),
  },
  {
    name: "kid as an object {$ne: null}",
    build: withBearer(() => handSign(labHeader({ kid: { $ne: null } }), goodClaims(), lab)),
    expect: E401("malformed_token"),
  },

  // --- header semantics (RFC 7515 §4.1.9–4.1.11, RFC 7519 §5.2, RFC 9068 §2.1, RFC 8725 §3.11)
  {
    name: "unknown crit extension",
    build: withBearer(() =>
      issuer.sign({}, { header: { crit: ["urn:x-scopegate:test"], "urn:x-scopegate:test": 1 } }),
    ),
    expect: E401("unsupported_header"),
  },
  {
    name: "crit naming a registered claim (exp)",
    build: withBearer(() => issuer.sign({}, { header: { crit: ["exp"], exp: now() + 1e6 } })),
    expect: E401("unsupported_header"),
  },
  {
    name: "b64: false (RFC 7797 unencoded payload)",
    build: withBearer(() => issuer.sign({}, { header: { b64: false, crit: undefined } })),
    expect: E401("unsupported_header"),
  },
  {
    name: "JWE (5 parts) encrypted to the issuer's own public key",
    build: withBearer(async () => {
      const { kty, n, e } = ourRsaJwk;
      const key = await importJWK({ kty, n, e }, "RSA-OAEP-256");
      return new CompactEncrypt(new TextEncoder().encode(await genuine()))
        .setProtectedHeader({ alg: "RSA-OAEP-256", enc: "A256GCM", cty: "JWT" })
        .encrypt(key);
    }),
    expect: E401("encrypted_token"),
  },
  {
    name: "nested JWT (cty: JWT)",
    build: withBearer(() => issuer.sign({ scope: "read:messages" }, { header: { cty: "JWT" } })),
    expect: E401("nested_token"),
  },
  {
    name: "typ dpop+jwt used as an access token",
    build: withBearer(() =>
      issuer.sign({ scope: "read:messages" }, { header: { typ: "dpop+jwt" } }),
    ),
    expect: E401("wrong_token_type"),
  },
  {
    name: "a real DPoP proof sent as the access token",
    build: async (target) =>
      bearer(await issuer.dpopProof({ key: dpopKey, method: "GET", url: target })),
    expect: E401("wrong_token_type"),
  },
  {
    name: "typ as a number",
    build: withBearer(() => issuer.sign({}, { header: { typ: 1 } })),
    expect: E401("wrong_token_type"),
  },
  {
    name: "header is a JSON array",
    build: withBearer(async () => splice(await genuine(), { header: b64u('["RS256"]') })),
    expect: E401("malformed_token"),
  },

  // --- registered claims (RFC 7519 §4.1, RFC 9068 §4, OIDC Core §2)
  {
    name: "an ID token: aud = the client id, nonce, azp",
    build: withBearer(() =>
      issuer.sign({
        aud: "client-abc",
        azp: "client-abc",
        nonce: "n-0S6_WzA2Mj",
        auth_time: now(),
      }),
    ),
    expect: E401("id_token"),
  },
  {
    name: "an ID token without nonce or auth_time: aud = the client id",
    build: withBearer(() => issuer.sign({ aud: "client-abc", azp: "client-abc" })),
    expect: E401("audience_mismatch"),
  },
  {
    name: "wrong iss",
    build: withBearer(() => genuine({ iss: "https://evil.example/" })),
    expect: E401("issuer_not_allowed"),
  },
  {
    name: "missing iss",
    build: withBearer(() => genuine({ iss: undefined })),
    expect: E401("issuer_not_allowed"),
  },
  {
    name: "iss without the trailing slash (exact comparison)",
    build: withBearer(() => genuine({ iss: issuer.url.replace(/\/$/, "") })),
    expect: E401("issuer_not_allowed"),
  },
  {
    name: "iss as an array holding ours",
    build: withBearer(() => genuine({ iss: [issuer.url] })),
    expect: E401("issuer_not_allowed"),
  },
  {
    name: "iss not on the list: another issuer's genuine token (no fetch)",
    build: withBearer(() => other.sign({ aud: issuer.audience, scope: "read:messages" })),
    expect: E401("issuer_not_allowed"),
    after: noOtherFetch,
  },
  {
    name: "aud array without ours",
    build: withBearer(() => genuine({ aud: ["https://a.example", "https://b.example"] })),
    expect: E401("audience_mismatch"),
  },
  {
    name: "aud missing",
    build: withBearer(() => genuine({ aud: undefined })),
    expect: E401("audience_mismatch"),
  },
  {
    name: "aud as an object keyed by ours",
    build: withBearer(() => genuine({ aud: { [issuer.audience]: true } })),
    expect: E401("audience_mismatch"),
  },
  {
    name: "expired (beyond the 5 s tolerance)",
    build: withBearer(() => issuer.sign({ scope: "read:messages" }, { expiresIn: -60 })),
    expect: E401("token_expired"),
  },
  {
    name: "nbf in the future",
    build: withBearer(() => issuer.sign({ scope: "read:messages" }, { notBefore: 600 })),
    expect: E401("token_not_yet_valid"),
  },
  {
    name: "iat in the future",
    build: withBearer(() => genuine({ iat: now() + 600 })),
    expect: E401("token_issued_in_future"),
  },
  {
    name: "exp as a string",
    build: withBearer(() => genuine({ exp: String(now() + 600) })),
    expect: E401("invalid_claims"),
  },
  {
    name: "exp = 1e400 (JSON.parse gives Infinity)",
    build: withBearer(() => handSign(labHeader(), claimsJson(',"exp":1e400', ["exp"]), lab)),
    expect: E401("invalid_claims"),
  },
  {
    name: "exp null",
    build: withBearer(() => genuine({ exp: null })),
    expect: E401("invalid_claims"),
  },
  {
    name: "no exp",
    build: withBearer(() => genuine({ exp: undefined })),
    expect: E401("missing_claim"),
  },

  // --- JSON tricks (RFC 7515 §4 / RFC 7519 §4: duplicate members: reject or use the lexically last)
  {
    name: "duplicate alg in the header: RS256 then none (the last one wins)",
    build: withBearer(() =>
      handSign(`{"alg":"RS256","kid":"${lab.kid}","typ":"JWT","alg":"none"}`, goodClaims(), lab),
    ),
    expect: E401("algorithm_not_allowed"),
  },
  {
    name: "duplicate iss in the payload: ours then evil (the last one wins)",
    build: withBearer(() =>
      handSign(labHeader(), claimsJson(',"iss":"https://evil.example/"'), lab),
    ),
    expect: E401("issuer_not_allowed"),
  },
  {
    name: "duplicate exp in the payload: future then past (the last one wins)",
    build: withBearer(() => handSign(labHeader(), claimsJson(`,"exp":${now() - 600}`), lab)),
    expect: E401("token_expired"),
  },
  {
    name: "__proto__ in the claims carrying scope and permissions",
    build: withBearer(() =>
      handSign(
        labHeader(),
        claimsJson(
          ',"__proto__":{"scope":"read:messages","scp":["read:messages"],"permissions":["read:messages"],"polluted":"yes"}',
        ),
        lab,
      ),
    ),
    scoped: true,
    expect: SCOPE403,
    after: () => expect(({} as Record<string, unknown>).polluted).toBeUndefined(),
  },
  {
    name: "constructor.prototype in the claims carrying scope",
    build: withBearer(() =>
      handSign(
        labHeader(),
        claimsJson(',"constructor":{"prototype":{"scope":"read:messages","polluted":"yes"}}'),
        lab,
      ),
    ),
    scoped: true,
    expect: SCOPE403,
    after: () => expect(({} as Record<string, unknown>).polluted).toBeUndefined(),
  },
  {
    name: "__proto__ carrying iss, aud and exp (none of them own members)",
    build: withBearer(() =>
      handSign(
        labHeader(),
        `{"sub":"x","__proto__":{"iss":"${issuer.url}","aud":"${issuer.audience}","exp":${now() + 600}}}`,
        lab,
      ),
    ),
    expect: E401("issuer_not_allowed"),
  },
  {
    name: "__proto__ in the header carrying alg",
    build: withBearer(() =>
      handSign(`{"kid":"${lab.kid}","__proto__":{"alg":"RS256"}}`, goodClaims(), lab),
    ),
    expect: E401("algorithm_not_allowed"),
  },

  // --- encoding (RFC 7515 §2 base64url without padding, RFC 7519 §7.2 UTF-8, RFC 6750 §2.1)
  {
    name: "non-UTF-8 bytes in the header",
    build: withBearer(async () =>
      splice(await genuine(), { header: b64u(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])) }),
    ),
    expect: E401("malformed_token"),
  },
  {
    name: "overlong UTF-8 (C0 AF) in the payload",
    build: withBearer(async () =>
      splice(await genuine(), {
        payload: b64u(Buffer.from([0x7b, 0x22, 0xc0, 0xaf, 0x22, 0x3a, 0x31, 0x7d])),
      }),
    ),
    expect: E401("malformed_token"),
  },
  {
    name: "standard base64 (+ and /) instead of base64url",
    build: withBearer(async () => {
      for (;;) {
        const t = await genuine();
        const std = t.replace(/-/g, "+").replace(/_/g, "/");
        if (std !== t) return std;
      }
    }),
    expect: E401("malformed_token"),
  },
  {
    name: "base64 padding (=) on the signature segment",
    build: withBearer(async () => `${await genuine()}==`),
    expect: E401("malformed_token"),
  },
  {
    name: "base64 padding (=) inside the token (outside RFC 6750 b64token)",
    build: withBearer(async () => {
      const [h, p, s] = segments(await genuine());
      return `${h}==.${p}.${s}`;
    }),
    expect: E400("malformed_header"),
  },
  {
    name: "characters outside b64token (% and !)",
    build: withBearer(async () => `${await genuine()}%21!`),
    expect: E400("malformed_header"),
  },
  {
    name: "non-ASCII token",
    build: withHeader("Bearer tökén.ünïcödé.sïg"),
    expect: E400("malformed_header"),
  },
  {
    name: "two segments",
    build: withBearer(async () =>
      segments(await genuine())
        .slice(0, 2)
        .join("."),
    ),
    expect: E401("malformed_token"),
  },
  {
    name: "four segments",
    build: withBearer(async () => `${await genuine()}.AAAA`),
    expect: E401("malformed_token"),
  },
  {
    name: "six segments",
    build: withBearer(async () => `${await genuine()}.AAAA.BBBB.CCCC`),
    expect: E401("malformed_token"),
  },
  {
    name: "a 20 KB token",
    build: withBearer(async () => {
      const t = await genuine({ padding: "x".repeat(20 * 1024) });
      expect(t.length).toBeGreaterThan(MAX_TOKEN_LENGTH);
      return t;
    }),
    expect: E401("token_too_large"),
  },
  {
    name: "a huge scope claim over the size cap",
    build: withBearer(() => genuine({ scope: `${"read:x ".repeat(3000)}read:messages` })),
    scoped: true,
    expect: E401("token_too_large"),
  },
  {
    name: "a huge scope claim under the size cap, without ours",
    build: withBearer(async () => {
      const t = await genuine({
        scope: Array.from({ length: 1200 }, (_, i) => `s:${i}`).join(" "),
      });
      expect(t.length).toBeLessThan(MAX_TOKEN_LENGTH);
      return t;
    }),
    scoped: true,
    expect: SCOPE403,
  },

  // --- the Authorization header (RFC 6750 §2.1, §3.1; RFC 9110 §11.6.2; RFC 9449 §7.1)
  {
    name: "empty token: `Bearer `",
    build: withHeader("Bearer "),
    expect: E400("malformed_header"),
  },
  {
    name: "scheme only: `Bearer`",
    build: withHeader("Bearer"),
    expect: E400("malformed_header"),
  },
  {
    name: "empty Authorization header",
    build: withHeader(""),
    expect: E400("malformed_header"),
  },
  {
    name: "two Authorization headers",
    build: async () => ({
      headers: { authorization: [`Bearer ${await genuine()}`, `Bearer ${await genuine()}`] },
    }),
    expect: E400("multiple_credentials"),
  },
  {
    name: "two credentials comma-joined in one header",
    build: async () => ({
      headers: { authorization: `Bearer ${await genuine()}, Bearer ${await genuine()}` },
    }),
    expect: E400("multiple_credentials"),
  },
  {
    name: "Bearer and DPoP together: the Bearer scheme with a DPoP proof header",
    build: async (target) => {
      const token = await genuine();
      const proof = await issuer.dpopProof({
        key: dpopKey,
        method: "GET",
        url: target,
        accessToken: token,
      });
      return { headers: { authorization: `Bearer ${token}`, dpop: proof } };
    },
    expect: E400("malformed_header"),
  },
  {
    name: "Bearer and DPoP together: one Authorization header per scheme",
    build: async (target) => {
      const { headers } = await dpop(target);
      return {
        headers: {
          ...headers,
          authorization: [`Bearer ${await genuine()}`, String(headers.authorization)],
        },
      };
    },
    expect: E400("multiple_credentials"),
  },
  {
    name: "unknown scheme Basic",
    build: withHeader(`Basic ${b64u("admin:admin")}`),
    expect: E400("unsupported_scheme"),
  },
  {
    name: "unknown scheme Token carrying a genuine JWT",
    build: async () => ({ headers: { authorization: `Token ${await genuine()}` } }),
    expect: E400("unsupported_scheme"),
  },
  {
    name: "a tab instead of a space after the scheme",
    build: async () => ({ headers: { authorization: `Bearer\t${await genuine()}` } }),
    expect: E400("malformed_header"),
  },
  {
    name: "token in the query string (ignored: a bare 401)",
    build: async () => ({ headers: {}, query: `?access_token=${await genuine()}` }),
    expect: UNAUTH401,
  },
  {
    name: "token in a form body (ignored: a bare 401)",
    build: async () => ({
      method: "POST",
      headers: {},
      body: `access_token=${await genuine()}`,
    }),
    expect: UNAUTH401,
    channels: ["node:http"],
  },
  {
    name: "token in a cookie (ignored: a bare 401)",
    build: async () => ({ headers: { cookie: `access_token=${await genuine()}` } }),
    expect: UNAUTH401,
  },
  {
    name: "token in X-Access-Token (ignored: a bare 401)",
    build: async () => ({ headers: { "x-access-token": await genuine() } }),
    expect: UNAUTH401,
  },

  // --- scopes (RFC 6749 §3.3, RFC 8693 §4.2, RFC 9068 §2.2.3)
  {
    name: "scope as a number",
    build: withBearer(() => genuine({ scope: 42 })),
    scoped: true,
    expect: SCOPE403,
  },
  {
    name: "scope as an object keyed by the scope",
    build: withBearer(() => genuine({ scope: { "read:messages": true } })),
    scoped: true,
    expect: SCOPE403,
  },
  {
    name: "scope array with a space-joined element",
    build: withBearer(() => genuine({ scope: ["read:x read:messages"] })),
    scoped: true,
    expect: SCOPE403,
  },
  {
    name: "scope as a nested array",
    build: withBearer(() => genuine({ scope: [["read:messages"]] })),
    scoped: true,
    expect: SCOPE403,
  },
  {
    name: "the scope granted only as an Auth0 permission",
    build: withBearer(() => genuine({ scope: undefined, permissions: ["read:messages"] })),
    scoped: true,
    expect: SCOPE403,
  },

  // --- DPoP (RFC 9449 §4.3, §7.1, §11.1)
  {
    name: "DPoP-bound token sent as Bearer",
    build: withBearer(() =>
      issuer.sign({ scope: "read:messages" }, { dpopJkt: dpopKey.thumbprint }),
    ),
    expect: E401("dpop_bound_token_as_bearer"),
  },
  {
    name: "DPoP scheme without a proof",
    build: async (target) => {
      const { headers } = await dpop(target);
      return { headers: { authorization: headers.authorization as string } };
    },
    expect: PROOF400,
  },
  {
    name: "DPoP proof replayed",
    build: (target) => dpop(target),
    replay: true,
    expect: { status: 400, code: "invalid_dpop_proof", reason: "dpop_replay" },
  },
  {
    name: "DPoP proof signed by another key than cnf.jkt",
    build: (target) => dpop(target, { key: otherDpopKey }),
    expect: E401("dpop_proof"),
  },
  {
    name: "DPoP proof with alg none",
    build: (target) => dpop(target, { header: { alg: "none" } }),
    expect: PROOF400,
  },
  {
    name: "DPoP proof whose jwk carries the private key (d)",
    build: async (target) => {
      const { exportJWK } = await import("jose");
      const priv = await exportJWK(dpopKey.privateKey);
      return dpop(target, { header: { jwk: priv } });
    },
    expect: PROOF400,
  },
  {
    name: "DPoP proof whose jwk is a symmetric oct key",
    build: (target) => dpop(target, { header: { jwk: { kty: "oct", k: b64u("secret") } } }),
    expect: PROOF400,
  },
  {
    name: "DPoP proof with htm POST for a GET",
    build: (target) => dpop(target, { claims: { htm: "POST" } }),
    expect: PROOF400,
  },
  {
    name: "DPoP proof with htm lower-case get",
    build: (target) => dpop(target, { claims: { htm: "get" } }),
    expect: PROOF400,
  },
  {
    name: "DPoP proof with the htu of another host",
    build: (target) =>
      dpop(target, { claims: { htu: `https://evil.example${new URL(target).pathname}` } }),
    expect: PROOF400,
  },
  {
    name: "DPoP proof 10 minutes old",
    build: (target) => dpop(target, { claims: { iat: now() - 600 } }),
    expect: PROOF400,
  },
  {
    name: "DPoP proof whose ath is the hash of another token",
    build: async (target) => {
      const req = await dpop(target);
      const token = await issuer.sign({}, { dpopJkt: dpopKey.thumbprint });
      return { headers: { ...req.headers, authorization: `DPoP ${token}` } };
    },
    expect: PROOF400,
  },
  {
    name: "two DPoP proofs comma-joined in one header",
    build: async (target) => {
      const req = await dpop(target);
      return { headers: { ...req.headers, dpop: `${req.headers.dpop},${req.headers.dpop}` } };
    },
    expect: PROOF400,
  },
  {
    name: "two DPoP headers",
    build: async (target) => {
      const req = await dpop(target);
      const second = await issuer.dpopProof({
        key: dpopKey,
        method: "GET",
        url: target,
        accessToken: String(req.headers.authorization).slice(5),
      });
      return { headers: { ...req.headers, dpop: [String(req.headers.dpop), second] } };
    },
    expect: PROOF400,
  },
  {
    name: "unbound token with the DPoP scheme and a valid proof",
    build: async (target) => dpop(target, { token: await genuine() }),
    expect: E401("dpop_proof"),
  },
  {
    name: "the access token itself sent as the DPoP proof",
    build: async (target) => {
      const req = await dpop(target);
      return { headers: { ...req.headers, dpop: String(req.headers.authorization).slice(5) } };
    },
    expect: PROOF400,
  },
  {
    name: "DPoP proof with typ JWT",
    build: (target) => dpop(target, { header: { typ: "JWT" } }),
    expect: PROOF400,
  },
];

// ---------------------------------------------------------------------------------------
// Running a case on a channel

interface Outcome {
  status: number;
  code: string | undefined;
  reason: string | undefined;
  challenge: string | undefined;
  description: string | undefined;
}

const pathOf = (c: Pick<Hostile, "scoped">) => (c.scoped ? "/scoped" : "/resource");

async function viaApi(req: Req, target: string, scoped: boolean): Promise<Outcome> {
  const auth = auths.get("public API") as Auth<AccessTokenClaims>;
  const { auth: state } = auth.createAuthContext({
    headers: req.headers,
    method: req.method ?? "GET",
    url: target + (req.query ?? ""),
  });
  const error = await (scoped ? state.requireScopes("read:messages") : state.require()).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (error === undefined) return { status: 200 } as Outcome;
  expect(error).toBeInstanceOf(AuthError);
  const e = error as AuthError;
  return {
    status: e.status,
    code: e.code,
    reason: e.reason,
    challenge: e.headers["WWW-Authenticate"],
    description: e.description,
  };
}

async function viaHttp(channel: Channel, req: Req, target: string): Promise<Outcome> {
  const answer = await send(target, req);
  const challenge = answer.headers["www-authenticate"];
  if (answer.status === 200) return { status: 200 } as Outcome;
  if (channel === "node:http") {
    const body = answer.json();
    return {
      status: answer.status,
      code: body.error as string,
      reason: body.reason as string,
      challenge,
      description: body.error_description as string,
    };
  }
  const data = trpcAuthData(answer);
  const reason = answer.headers[TRPC_REASON_HEADER];
  return {
    status: answer.status,
    code: data.error,
    reason: typeof reason === "string" ? reason : undefined,
    challenge,
    description: data.error_description,
  };
}

function run(channel: Channel, c: Pick<Hostile, "scoped">, req: Req): Promise<Outcome> {
  const base =
    channel === "public API" ? "http://api.scopegate.test" : servers.get(channel)?.origin;
  const target = `${base}${pathOf(c)}`;
  return channel === "public API"
    ? viaApi(req, target, c.scoped === true)
    : viaHttp(channel, req, target);
}

/** Long credential-looking parts of the request (never to be echoed back). */
function secrets(req: Req): string[] {
  const values = Object.values(req.headers).flat();
  return values.flatMap((v) => v.split(/[ ,]/)).filter((part) => part.length >= 24);
}

describe.each(CHANNELS)("attack catalogue via %s", (channel) => {
  it("controls: genuine Bearer and DPoP requests pass", async () => {
    const base =
      channel === "public API" ? "http://api.scopegate.test" : servers.get(channel)?.origin;
    await expect(run(channel, {}, bearer(await genuine()))).resolves.toMatchObject({ status: 200 });
    await expect(run(channel, { scoped: true }, bearer(await genuine()))).resolves.toMatchObject({
      status: 200,
    });
    const req = await dpop(`${base}/resource`);
    await expect(run(channel, {}, req)).resolves.toMatchObject({ status: 200 });
  });

  const cases = CATALOGUE.filter((c) => !c.channels || c.channels.includes(channel));
  it.each(cases)("$name", async (c) => {
    const base =
      channel === "public API" ? "http://api.scopegate.test" : servers.get(channel)?.origin;
    const req = await c.build(`${base}${pathOf(c)}`);
    if (c.replay) await expect(run(channel, c, req)).resolves.toMatchObject({ status: 200 });
    const got = await run(channel, c, req);
    expect({ status: got.status, code: got.code }).toEqual({
      status: c.expect.status,
      code: c.expect.code,
    });
    expect(got.reason).toBe(c.expect.reason);
    // RFC 6750 §3: the challenge names the error, except for a request without credentials.
    if (c.expect.code === "unauthorized") {
      expect(got.challenge).toMatch(/^Bearer realm="api"/);
      expect(got.challenge).not.toContain("error=");
    } else {
      expect(got.challenge).toContain(`error="${c.expect.code}"`);
    }
    // Descriptions and challenges never echo the credentials.
    for (const secret of secrets(req)) {
      expect(got.description ?? "").not.toContain(secret);
      expect(got.challenge ?? "").not.toContain(secret);
    }
    c.after?.();
  });

  it("after the whole catalogue: no request storm, the attacker's server never asked", () => {
    const stats = (auths.get(channel) as Auth<AccessTokenClaims>).stats;
    // One discovery; one JWKS fetch, plus at most one unknown-kid refetch (cooldown 600 s).
    expect(stats.discoveryFetches).toBe(1);
    expect(stats.jwksFetches).toBeLessThanOrEqual(2);
    noOtherFetch();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty("scope");
  });
});

describe("catalogue size", () => {
  it("holds at least 40 named hostile inputs, each name unique", () => {
    expect(CATALOGUE.length).toBeGreaterThanOrEqual(40);
    expect(new Set(CATALOGUE.map((c) => c.name)).size).toBe(CATALOGUE.length);
  });
});

describe("documented behaviour", () => {
  it("duplicate JSON members: the lexically last one is used (RFC 7515 §4, RFC 7519 §4), as JSON.parse does", async () => {
    const auth = auths.get("public API") as Auth<AccessTokenClaims>;
    // The issuer signed these bytes, so only a parser difference could matter; last-wins is
    // the behaviour RFC 7515 §4 allows, and the one jose and JSON.parse have.
    const header = `{"alg":"none","kid":"${lab.kid}","alg":"RS256"}`;
    const claims = await auth.verify(
      handSign(header, claimsJson(',"scope":"","scope":"read:messages"', []), lab),
    );
    expect(claims).toMatchObject({ scope: "read:messages" });
  });

  it("the DER re-encoding is a valid signature in the wrong form (the attack is real)", async () => {
    const t = await issuer.sign({}, { alg: "ES256" });
    const [h, p] = segments(t);
    const es = issuer.jwks().keys.find((k) => k.kid === headerOf(t).kid) as JWK;
    const key = createPublicKey({ key: es, format: "jwk" });
    const der = rawToDer(sigBytes(t));
    expect(nodeVerify("sha256", Buffer.from(`${h}.${p}`), { key, dsaEncoding: "der" }, der)).toBe(
      true,
    );
  });

  it("__proto__ in verified claims stays an own data member; nothing is polluted", async () => {
    const auth = auths.get("public API") as Auth<AccessTokenClaims>;
    const token = handSign(labHeader(), claimsJson(',"__proto__":{"polluted":"yes"}'), lab);
    const claims = (await auth.verify(token)) as Record<string, unknown>;
    expect(Object.hasOwn(claims, "__proto__")).toBe(true);
    expect(Object.getPrototypeOf(claims)).toBe(Object.prototype);
    expect(claims.polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("without publicUrl, htu is checked against the request's own Host; publicUrl pins it", async () => {
    // A proof made for another host, replayed here with that Host header.
    const foreign = "http://victim-b.example/resource";
    const token = await issuer.sign({}, { dpopJkt: dpopKey.thumbprint });
    const proof = await issuer.dpopProof({
      key: dpopKey,
      method: "GET",
      url: foreign,
      accessToken: token,
    });
    const request = {
      headers: { authorization: `DPoP ${token}`, dpop: proof, host: "victim-b.example" },
      method: "GET",
      url: "/resource",
    };
    const loose = makeAuth();
    await expect(loose.createAuthContext(request).auth.require()).resolves.toBeTruthy();
    const pinned = createAuth({
      issuer: issuer.url,
      audience: issuer.audience,
      fetch: fetchWithExtraKeys([lab.jwk]),
      publicUrl: "https://api.scopegate.test",
    });
    await expect(pinned.createAuthContext(request).auth.require()).rejects.toMatchObject({
      status: 400,
      code: "invalid_dpop_proof",
    });
  });

  it("trustProxy: true believes the leftmost X-Forwarded-Host (client-chosen when a proxy appends); a hop count does not", async () => {
    const chosen = "http://client-chosen.example/resource";
    const token = await issuer.sign({}, { dpopJkt: dpopKey.thumbprint });
    const request = async () => ({
      headers: {
        authorization: `DPoP ${token}`,
        dpop: await issuer.dpopProof({
          key: dpopKey,
          method: "GET",
          url: chosen,
          accessToken: token,
        }),
        host: "127.0.0.1:8080",
        // the client sent the first value; the one trusted proxy appended the real host
        "x-forwarded-host": "client-chosen.example, api.scopegate.test",
        "x-forwarded-proto": "http",
      },
      method: "GET",
      url: "/resource",
      socket: { remoteAddress: "127.0.0.1" },
    });
    const base = {
      issuer: issuer.url,
      audience: issuer.audience,
      fetch: fetchWithExtraKeys([lab.jwk]),
    };
    const leftmost = createAuth({ ...base, trustProxy: true });
    await expect(leftmost.createAuthContext(await request()).auth.require()).resolves.toBeTruthy();
    const oneHop = createAuth({ ...base, trustProxy: 1 });
    await expect(oneHop.createAuthContext(await request()).auth.require()).rejects.toMatchObject({
      status: 400,
      code: "invalid_dpop_proof",
    });
  });

  it("Node's own 16 KiB header limit answers 431 before scopegate on a default server", async () => {
    const { createHTTPServer } = await import("@trpc/server/adapters/standalone");
    const { initTRPC } = await import("@trpc/server");
    const t = initTRPC.create();
    const server = createHTTPServer({ router: t.router({ a: t.procedure.query(() => 1) }) });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const { port } = server.address() as { port: number };
    try {
      const res = await send(`http://127.0.0.1:${port}/a`, bearer("x".repeat(20 * 1024)));
      expect(res.status).toBe(431);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
