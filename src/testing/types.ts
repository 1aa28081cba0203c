import type { KeyObject } from "node:crypto";
import type { CryptoKey, JWK } from "jose";

/**
 * JWS algorithms the test issuer can sign access tokens with. `"EdDSA"` and `"Ed25519"` both
 * use an Ed25519 key; the JWK and the token header carry the name you asked for.
 *
 * @example
 * ```ts
 * const alg: TestAlg = "ES256";
 * const token = await issuer.sign({ scope: "read:items" }, { alg });
 * ```
 */
export type TestAlg =
  | "RS256"
  | "RS384"
  | "RS512"
  | "PS256"
  | "PS384"
  | "PS512"
  | "ES256"
  | "ES384"
  | "ES512"
  | "EdDSA"
  | "Ed25519";

/**
 * Algorithms a DPoP key made by {@link TestIssuer.dpopKey} can use.
 *
 * @example
 * ```ts
 * const alg: DpopAlg = "EdDSA";
 * const key = await issuer.dpopKey(alg);
 * ```
 */
export type DpopAlg = "ES256" | "RS256" | "EdDSA" | "Ed25519" | "PS256" | "ES384";

/**
 * Ways to make the discovery and JWKS endpoints misbehave (see {@link TestIssuer.fail}):
 *
 * - `"down"`: the socket is destroyed without an answer;
 * - `"slow"`: the answer is delayed by `delayMs` (default 10 000 ms);
 * - `"500"`: a 500 JSON error;
 * - `"invalid-json"`: 200 with the truncated body `{"keys": [`;
 * - `"oversize"`: 200 with a valid JSON body larger than 2 MiB;
 * - `"redirect"`: 302 to `http://127.0.0.1:1/elsewhere`;
 * - `"wrong-issuer"`: a discovery document whose `issuer` is another URL (JWKS unaffected);
 *   on the introspection endpoint, active answers name another `iss`.
 *
 * On the introspection endpoint, `"invalid-json"` sends `{"active": tr` and `"oversize"`
 * an inactive answer padded past 2 MiB.
 *
 * @example
 * ```ts
 * const mode: TestFailure = "500";
 * issuer.fail(mode, { endpoints: ["jwks"] });
 * ```
 */
export type TestFailure =
  | "down"
  | "slow"
  | "500"
  | "invalid-json"
  | "oversize"
  | "redirect"
  | "wrong-issuer";

/**
 * The endpoints {@link TestIssuer.fail} can break.
 *
 * @example
 * ```ts
 * const endpoints: FailableEndpoint[] = ["discovery"];
 * issuer.fail("down", { endpoints });
 * ```
 */
export type FailableEndpoint = "discovery" | "jwks" | "introspection";

/**
 * Options of {@link createTestIssuer}. Every member is optional.
 *
 * @example
 * ```ts
 * const issuer = await createTestIssuer({
 *   audience: "https://api.example.test",
 *   trailingSlash: false, // RFC 9068 style issuer, "http://127.0.0.1:PORT"
 *   defaultAlg: "ES256",
 *   tokenLifetime: 60,
 *   cacheControl: null,
 * });
 * ```
 */
export interface TestIssuerOptions {
  /** The `aud` of minted tokens. Default `"https://api.example.test"`. */
  audience?: string;
  /**
   * `true` (default) gives the Auth0 issuer shape `"http://127.0.0.1:PORT/"`; `false` gives
   * `"http://127.0.0.1:PORT"`.
   */
  trailingSlash?: boolean;
  /** Port to listen on; default `0` (a random free port). The host is always 127.0.0.1. */
  port?: number;
  /** Algorithm of tokens from `sign()` and the token endpoint. Default `"RS256"`. */
  defaultAlg?: TestAlg;
  /** Lifetime of minted tokens in seconds. Default 3600. */
  tokenLifetime?: number;
  /**
   * `Cache-Control` header of the JWKS response. Default `"public, max-age=600"`;
   * `null` sends no header.
   */
  cacheControl?: string | null;
  /**
   * Enables the development endpoint `POST /dev/token` (default `false`), used by the
   * `scopegate dev` / `scopegate token` CLI: it mints a token with any claims, so only enable
   * it on a development machine. The issuer listens on 127.0.0.1 only, and the endpoint
   * refuses requests whose `Host` is not a loopback host (DNS rebinding).
   *
   * Body (JSON, every member optional): `{ claims?: Record<string, unknown>, expiresIn?:
   * number, dpopJkt?: string }` — `claims` are merged over the defaults of
   * {@link TestIssuer.sign} (`null` removes a claim), `expiresIn` is `exp` in seconds from now,
   * `dpopJkt` binds the token to a DPoP key (`cnf.jkt`). Answer: `{ access_token, token_type,
   * expires_in }` (`token_type` `"DPoP"` when bound). A bad body is a 400 `invalid_request`.
   *
   * @example
   * ```ts
   * const issuer = await createTestIssuer({ port: 4400, devEndpoints: true });
   * const res = await fetch(`${issuer.origin}/dev/token`, {
   *   method: "POST",
   *   headers: { "content-type": "application/json" },
   *   body: JSON.stringify({ claims: { scope: "read:messages" }, expiresIn: 600 }),
   * });
   * const { access_token } = await res.json();
   * ```
   */
  devEndpoints?: boolean;
  /**
   * Private signing keys to use instead of generated ones (JWKs with their private members,
   * as `exportJWK(privateKey)` gives them), so that a restarted issuer keeps its `kid`s and
   * tokens signed before the restart still verify. `scopegate dev` keeps its keys this way.
   * Each key needs an `alg` (one of {@link TestAlg}); `kid` defaults to the key's RFC 7638
   * thumbprint. The first key of each `alg` signs; later keys of the same `alg` are only
   * published in the JWKS. An `alg` with no given key (`defaultAlg` included) gets a
   * generated key, as without this option. A key that cannot be used (no `d`, a wrong `alg`
   * for its type, a duplicated `kid`) makes `createTestIssuer` reject with a `TypeError`
   * naming it (`keys[0] ...`). Nothing here checks where the keys came from: never give a
   * test issuer a production key.
   *
   * @example
   * ```ts
   * import { exportJWK, generateKeyPair } from "jose";
   *
   * const { privateKey } = await generateKeyPair("ES256", { extractable: true });
   * const jwk = { ...(await exportJWK(privateKey)), alg: "ES256", kid: "dev-1" };
   * const issuer = await createTestIssuer({ keys: [jwk], defaultAlg: "ES256", port: 4400 });
   * // ... later, after a restart with the same `keys` and port, old tokens still verify.
   * ```
   */
  keys?: JWK[];
  /**
   * The clients allowed to call the introspection endpoint (`POST /oauth/introspect`).
   * Default: one client, {@link TestIssuer.introspectionClient}
   * (`{ clientId: "resource-server", clientSecret: "resource-server-secret" }`).
   *
   * @example
   * ```ts
   * const { publicKey, privateKey } = await generateKeyPair("ES256", { extractable: true });
   * const issuer = await createTestIssuer({
   *   introspectionClients: [{ clientId: "api", publicKey: { ...(await exportJWK(publicKey)), alg: "ES256" } }],
   * });
   * ```
   */
  introspectionClients?: IntrospectionClient[];
}

/**
 * A client of the test issuer's introspection endpoint: `clientSecret` for
 * `client_secret_basic` / `client_secret_post`, `publicKey` (a public JWK with `alg`) for
 * `private_key_jwt` (the assertion's `aud` may be the issuer URL or the endpoint URL).
 *
 * @example
 * ```ts
 * const client: IntrospectionClient = { clientId: "api", clientSecret: "s3cret" };
 * ```
 */
export interface IntrospectionClient {
  clientId: string;
  clientSecret?: string;
  publicKey?: JWK;
}

/**
 * Options of {@link TestIssuer.opaqueToken}.
 *
 * @example
 * ```ts
 * const token = issuer.opaqueToken({ scope: "read:items" }, { expiresIn: 60 });
 * ```
 */
export interface OpaqueTokenOptions {
  /** `exp` in seconds from now; default `tokenLifetime`. */
  expiresIn?: number;
  /** Adds `cnf: { jkt }`: a DPoP-bound token (RFC 9449). */
  dpopJkt?: string;
}

/**
 * Options of {@link TestIssuer.sign}.
 *
 * @example
 * ```ts
 * // An expired ES256 token with an RFC 9068 `typ`.
 * const token = await issuer.sign(
 *   { scope: "read:items" },
 *   { alg: "ES256", expiresIn: -60, header: { typ: "at+jwt" } },
 * );
 * ```
 */
export interface SignOptions {
  /**
   * Signing algorithm; default the issuer's `defaultAlg`. A key for it is generated on first
   * use and published in the JWKS from then on.
   */
  alg?: TestAlg;
  /** The `kid` header; default the issuer key's own `kid` (also when `key` is given). */
  kid?: string;
  /**
   * Extra or overriding protected header members (`typ`, `jku`, `crit`, `cty`, even `alg`).
   * A member set to `undefined` is removed. The signature is always made with `alg`'s key and
   * algorithm, whatever the header says; a header `alg` of `"none"` gives an empty signature.
   */
  header?: Record<string, unknown>;
  /** `exp` in seconds from now; default `tokenLifetime`. May be negative (already expired). */
  expiresIn?: number;
  /** Adds `nbf`, in seconds from now. */
  notBefore?: number;
  /**
   * When `true` the payload is exactly `claims`: no `iss`, `aud`, `sub`, `iat`, `exp` or `jti`
   * defaults. An explicit `expiresIn`, `notBefore` or `dpopJkt` still applies.
   */
  noDefaults?: boolean;
  /**
   * Sign with this private key instead of the issuer's (e.g. "another issuer's key with the
   * same kid"). Requires `alg`.
   */
  key?: CryptoKey | KeyObject;
  /** Adds `cnf: { jkt }`: a DPoP-bound token (RFC 9449). */
  dpopJkt?: string;
}

/**
 * A DPoP key pair made by {@link TestIssuer.dpopKey}.
 *
 * @example
 * ```ts
 * const key: DpopKeyPair = await issuer.dpopKey("ES256");
 * const token = await issuer.sign({}, { dpopJkt: key.thumbprint });
 * ```
 */
export interface DpopKeyPair {
  /** The private key that signs proofs. */
  readonly privateKey: CryptoKey;
  /** The public key as a JWK (no private members, no `alg`): the proof's `jwk` header. */
  readonly publicJwk: JWK;
  /** The JWS algorithm of proofs signed with this key. */
  readonly alg: DpopAlg;
  /** RFC 7638 SHA-256 thumbprint of `publicJwk`, base64url: the `cnf.jkt` of bound tokens. */
  readonly thumbprint: string;
}

/**
 * Options of {@link TestIssuer.dpopProof}.
 *
 * @example
 * ```ts
 * const proof = await issuer.dpopProof({
 *   key,
 *   method: "GET",
 *   url: "http://localhost:3000/trpc/items.list",
 *   accessToken: token,
 * });
 * ```
 */
export interface DpopProofOptions {
  /** The key pair from {@link TestIssuer.dpopKey}. */
  key: DpopKeyPair;
  /** `htm`: the HTTP method, used as given. */
  method: string;
  /** `htu`: the request URL; its query and fragment are dropped (RFC 9449 §4.2). */
  url: string;
  /** Adds `ath` = base64url(SHA-256(accessToken)). */
  accessToken?: string;
  /** Adds `nonce`. */
  nonce?: string;
  /** `iat` in seconds since the epoch; default now. */
  iat?: number;
  /** `jti`; default a random string. */
  jti?: string;
  /** Header overrides for negative tests; a member set to `undefined` is removed. */
  header?: Record<string, unknown>;
  /** Claim overrides for negative tests; a member set to `undefined` is removed. */
  claims?: Record<string, unknown>;
}

/**
 * Options of {@link TestIssuer.fail}.
 *
 * @example
 * ```ts
 * issuer.fail("slow", { endpoints: ["jwks"], delayMs: 2_000 });
 * ```
 */
export interface FailOptions {
  /** Endpoints to break; default both `"discovery"` and `"jwks"`. */
  endpoints?: FailableEndpoint[];
  /** Delay of `"slow"` in milliseconds; default 10 000. */
  delayMs?: number;
}

/**
 * Options of {@link TestIssuer.rotateKeys}.
 *
 * @example
 * ```ts
 * await issuer.rotateKeys({ keepPrevious: true }); // old tokens still verify
 * ```
 */
export interface RotateKeysOptions {
  /** Keep serving the replaced keys in the JWKS. Default `false`. */
  keepPrevious?: boolean;
}

/**
 * Live request counters of a {@link TestIssuer}: each HTTP request received (CORS preflights
 * excepted) adds one, failing or not.
 *
 * @example
 * ```ts
 * await fetch(issuer.jwksUri);
 * expect(issuer.hits.jwks).toBe(1);
 * ```
 */
export interface TestIssuerHits {
  /** Requests to `/.well-known/openid-configuration` and `/.well-known/oauth-authorization-server`. */
  readonly discovery: number;
  /** Requests to `/.well-known/jwks.json`. */
  readonly jwks: number;
  /** Requests to `/oauth/token`. */
  readonly token: number;
  /** Requests to `/oauth/introspect` (RFC 7662). */
  readonly introspection: number;
}
