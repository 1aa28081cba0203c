import type { JWK } from "jose";
import type {
  DpopAlg,
  DpopKeyPair,
  DpopProofOptions,
  FailOptions,
  IntrospectionClient,
  OpaqueTokenOptions,
  RotateKeysOptions,
  SignOptions,
  TestFailure,
  TestIssuerHits,
} from "./types.js";

/**
 * A running local OAuth 2.0 / OpenID Connect issuer made by {@link createTestIssuer}.
 *
 * It serves, on 127.0.0.1:
 * - `GET /.well-known/openid-configuration` and `GET /.well-known/oauth-authorization-server`
 *   (discovery);
 * - `GET /.well-known/jwks.json` (the public keys);
 * - `POST /oauth/token` (client-credentials grant, JSON or form body, optional DPoP binding);
 * - `POST /oauth/introspect` (RFC 7662 introspection of its opaque tokens and JWTs; client
 *   authentication by `client_secret_basic`, `client_secret_post` or `private_key_jwt`);
 * - `POST /dev/token` (any claims), only with `TestIssuerOptions.devEndpoints`.
 *
 * Every response allows any origin (CORS), so a browser page can use it too.
 *
 * @example
 * ```ts
 * import { createTestIssuer, type TestIssuer } from "scopegate/testing";
 *
 * let issuer: TestIssuer;
 * beforeAll(async () => {
 *   issuer = await createTestIssuer();
 * });
 * afterAll(() => issuer.close());
 *
 * it("lists items with read:items", async () => {
 *   const token = await issuer.sign({ scope: "read:items" });
 *   const res = await fetch(`${api}/items`, { headers: { authorization: `Bearer ${token}` } });
 *   expect(res.status).toBe(200);
 * });
 * ```
 */
export interface TestIssuer {
  /** The issuer identifier (`iss`), e.g. `"http://127.0.0.1:41234/"`. */
  readonly url: string;
  /** `"http://127.0.0.1:PORT"`. */
  readonly origin: string;
  /** The default `aud` of minted tokens. */
  readonly audience: string;
  /** `origin + "/.well-known/jwks.json"`. */
  readonly jwksUri: string;
  /** `origin + "/oauth/token"`. */
  readonly tokenEndpoint: string;
  /** `origin + "/oauth/introspect"` (advertised as `introspection_endpoint` in discovery). */
  readonly introspectionEndpoint: string;
  /**
   * The first client allowed at the introspection endpoint: by default
   * `{ clientId: "resource-server", clientSecret: "resource-server-secret" }`.
   *
   * @example
   * ```ts
   * const { clientId, clientSecret } = issuer.introspectionClient;
   * createAuth({ issuer: issuer.url, audience: issuer.audience, introspection: { clientId, clientSecret } });
   * ```
   */
  readonly introspectionClient: IntrospectionClient;
  /** Live counters of the requests received per endpoint (see {@link TestIssuerHits}). */
  readonly hits: TestIssuerHits;

  /**
   * Sets every counter of {@link TestIssuer.hits} back to 0.
   *
   * @example
   * ```ts
   * issuer.resetHits();
   * await callApi(token);
   * expect(issuer.hits.jwks).toBe(1);
   * ```
   */
  resetHits(): void;

  /**
   * Signs an access token. Default payload: `iss` = {@link TestIssuer.url}, `aud` =
   * {@link TestIssuer.audience}, `sub` = `"auth0|test-user"`, `iat` = now, `exp` = now +
   * `tokenLifetime`, a random `jti`. `claims` override the defaults; a claim set to
   * `undefined` is removed. Default header: `{ alg, kid, typ: "JWT" }`.
   *
   * @example
   * ```ts
   * const token = await issuer.sign({ scope: "read:items write:items", sub: "auth0|alice" });
   * const noIss = await issuer.sign({ iss: undefined });
   * const rfc9068 = await issuer.sign({ client_id: "app" }, { header: { typ: "at+jwt" } });
   * ```
   */
  sign(claims?: Record<string, unknown>, options?: SignOptions): Promise<string>;

  /**
   * Makes an opaque (reference) access token: a random string that only the introspection
   * endpoint can read. Its claims default like {@link TestIssuer.sign}'s (`iss`, `aud`, `sub`,
   * `iat`, `exp` = now + `tokenLifetime`, `jti`); `claims` override them (`undefined`
   * removes one). The endpoint answers `active: false` once it expired or was revoked.
   *
   * @example
   * ```ts
   * const token = issuer.opaqueToken({ scope: "read:items" });
   * const bound = issuer.opaqueToken({}, { dpopJkt: key.thumbprint });
   * ```
   */
  opaqueToken(claims?: Record<string, unknown>, options?: OpaqueTokenOptions): string;

  /**
   * Revokes a token (opaque or JWT): the introspection endpoint answers `active: false` for it
   * from now on. Local JWT verification is not affected.
   *
   * @example
   * ```ts
   * issuer.revoke(token);
   * ```
   */
  revoke(token: string): void;

  /**
   * The public JWKS currently served (each key with `kid`, `alg` and `use: "sig"`).
   *
   * @example
   * ```ts
   * const auth = createAuth({ issuer: issuer.url, audience: issuer.audience, jwks: issuer.jwks() });
   * ```
   */
  jwks(): { keys: JWK[] };

  /**
   * Replaces the key of every algorithm used so far. The old keys are no longer served,
   * unless `keepPrevious` is set.
   *
   * @example
   * ```ts
   * const before = await issuer.sign();
   * await issuer.rotateKeys();
   * // `before` no longer verifies against a freshly fetched JWKS.
   * ```
   */
  rotateKeys(options?: RotateKeysOptions): Promise<void>;

  /**
   * Makes the discovery, JWKS and/or introspection endpoints misbehave until `fail(null)`
   * (default: discovery and JWKS). The token endpoint is never affected. Requests are counted in {@link TestIssuer.hits} even when
   * failing.
   *
   * @example
   * ```ts
   * issuer.fail("down", { endpoints: ["jwks"] });
   * // ... expect the API to answer 503 / 401 ...
   * issuer.fail(null);
   * ```
   */
  fail(mode: TestFailure | null, options?: FailOptions): void;

  /**
   * Generates a DPoP key pair (default ES256) with its RFC 7638 thumbprint.
   *
   * @example
   * ```ts
   * const key = await issuer.dpopKey();
   * const token = await issuer.sign({ scope: "read:items" }, { dpopJkt: key.thumbprint });
   * ```
   */
  dpopKey(alg?: DpopAlg): Promise<DpopKeyPair>;

  /**
   * Signs a DPoP proof (RFC 9449 §4.2): header `{ typ: "dpop+jwt", alg, jwk }`, claims
   * `jti` (random), `htm`, `htu`, `iat`, plus `ath` when `accessToken` is given and `nonce`
   * when `nonce` is given. `header` and `claims` override anything, for negative tests.
   *
   * @example
   * ```ts
   * const url = "http://localhost:3000/graphql";
   * const proof = await issuer.dpopProof({ key, method: "POST", url, accessToken: token });
   * await fetch(url, { method: "POST", headers: { authorization: `DPoP ${token}`, dpop: proof } });
   * ```
   */
  dpopProof(options: DpopProofOptions): Promise<string>;

  /**
   * Stops the server and destroys every open connection, pending `"slow"` answers included.
   * Calling it again returns the same promise.
   *
   * @example
   * ```ts
   * afterEach(() => issuer.close());
   * ```
   */
  close(): Promise<void>;
}
