import { handleDevTokenRequest } from "./dev.js";
import { createDpopKey, createDpopProof } from "./dpop.js";
import { INTROSPECT_PATH, IntrospectionRegistry } from "./introspect.js";
import { nowSeconds, randomId, signCompact, withoutUndefined } from "./jws.js";
import { importSigningKey, KeyStore, SIGNING_ALGORITHMS, type SigningKey } from "./keys.js";
import { type ActiveFailure, HOST, IssuerServer, type MutableHits } from "./server.js";
import type { TestIssuer } from "./test-issuer.js";
import type { ClientGrant } from "./token.js";
import type {
  IntrospectionClient,
  OpaqueTokenOptions,
  SignOptions,
  TestAlg,
  TestFailure,
  TestIssuerOptions,
} from "./types.js";

const DEFAULT_AUDIENCE = "https://api.example.test";
const DEFAULT_CACHE_CONTROL = "public, max-age=600";
const DEFAULT_SUBJECT = "auth0|test-user";
const DEFAULT_SLOW_DELAY_MS = 10_000;
const DEFAULT_INTROSPECTION_CLIENT: IntrospectionClient = {
  clientId: "resource-server",
  clientSecret: "resource-server-secret",
};

const ALGORITHMS: ReadonlySet<string> = new Set(SIGNING_ALGORITHMS);

const FAILURES: ReadonlySet<string> = new Set<TestFailure>([
  "down",
  "slow",
  "500",
  "invalid-json",
  "oversize",
  "redirect",
  "wrong-issuer",
]);

function checkAlg(alg: TestAlg, where: string): void {
  if (!ALGORITHMS.has(alg)) {
    throw new TypeError(
      `scopegate/testing: ${where} "${String(alg)}" is not one of ${[...ALGORITHMS].join(", ")}`,
    );
  }
}

/** Imports `TestIssuerOptions.keys`, refusing a duplicated `kid`. */
async function givenKeys(jwks: TestIssuerOptions["keys"]): Promise<SigningKey[]> {
  if (jwks === undefined) return [];
  if (!Array.isArray(jwks)) throw new TypeError("scopegate/testing: keys must be an array of JWKs");
  const keys = await Promise.all(jwks.map((jwk, i) => importSigningKey(jwk, `keys[${i}]`)));
  const seen = new Set<string>();
  keys.forEach((key, i) => {
    if (seen.has(key.kid)) {
      throw new TypeError(`scopegate/testing: keys[${i}] repeats the kid "${key.kid}"`);
    }
    seen.add(key.kid);
  });
  return keys;
}

/**
 * Starts a local OAuth 2.0 / OpenID Connect issuer on 127.0.0.1 for tests and demos: a
 * discovery document, a JWKS, a client-credentials token endpoint, token minting with
 * `sign()`, DPoP keys and proofs, key rotation and failure injection. The key of
 * `defaultAlg` exists when the promise resolves. Always `close()` it when done.
 *
 * @param options - see {@link TestIssuerOptions}; all optional.
 * @returns the running {@link TestIssuer}.
 *
 * @example
 * ```ts
 * import { createAuth } from "scopegate";
 * import { createTestIssuer } from "scopegate/testing";
 *
 * const issuer = await createTestIssuer({ audience: "https://api.example.test" });
 * const auth = createAuth({ issuer: issuer.url, audience: issuer.audience });
 *
 * const token = await issuer.sign({ scope: "read:items" });
 * // ... call your API with `Authorization: Bearer ${token}` ...
 *
 * await issuer.close();
 * ```
 */
export async function createTestIssuer(options: TestIssuerOptions = {}): Promise<TestIssuer> {
  const audience = options.audience ?? DEFAULT_AUDIENCE;
  const defaultAlg = options.defaultAlg ?? "RS256";
  const tokenLifetime = options.tokenLifetime ?? 3600;
  const cacheControl =
    options.cacheControl === undefined ? DEFAULT_CACHE_CONTROL : options.cacheControl;
  checkAlg(defaultAlg, "defaultAlg");

  const keys = new KeyStore(await givenKeys(options.keys));
  await keys.get(defaultAlg);
  const server = await IssuerServer.listen(options.port ?? 0);

  const origin = `http://${HOST}:${server.port}`;
  const url = options.trailingSlash === false ? origin : `${origin}/`;
  const jwksUri = `${origin}/.well-known/jwks.json`;
  const tokenEndpoint = `${origin}/oauth/token`;
  const introspectionEndpoint = `${origin}${INTROSPECT_PATH}`;
  const clients = (options.introspectionClients ?? [DEFAULT_INTROSPECTION_CLIENT]).map((c) => ({
    ...c,
  }));
  const registry = new IntrospectionRegistry();
  const hits: MutableHits = { discovery: 0, jwks: 0, token: 0, introspection: 0 };
  let failure: ActiveFailure | null = null;

  async function sign(
    claims: Record<string, unknown> = {},
    signOptions: SignOptions = {},
  ): Promise<string> {
    if (signOptions.key !== undefined && signOptions.alg === undefined) {
      throw new TypeError("scopegate/testing: sign() with `key` needs `alg` as well");
    }
    const alg = signOptions.alg ?? defaultAlg;
    checkAlg(alg, "alg");
    const issuerKey = await keys.get(alg);
    const now = nowSeconds();
    const defaults = signOptions.noDefaults
      ? {}
      : { iss: url, aud: audience, sub: DEFAULT_SUBJECT, iat: now, jti: randomId() };
    const expiresIn = signOptions.noDefaults
      ? signOptions.expiresIn
      : (signOptions.expiresIn ?? tokenLifetime);
    const payload = withoutUndefined({
      ...defaults,
      exp: expiresIn === undefined ? undefined : now + expiresIn,
      nbf: signOptions.notBefore === undefined ? undefined : now + signOptions.notBefore,
      cnf: signOptions.dpopJkt === undefined ? undefined : { jkt: signOptions.dpopJkt },
      ...claims,
    });
    const header = withoutUndefined({
      alg,
      kid: signOptions.kid ?? issuerKey.kid,
      typ: "JWT",
      ...signOptions.header,
    });
    return signCompact(header, payload, signOptions.key ?? issuerKey.privateKey, alg);
  }

  function mintClientToken(grant: ClientGrant): Promise<string> {
    return sign(
      {
        sub: `${grant.clientId}@clients`,
        aud: grant.audience,
        azp: grant.clientId,
        client_id: grant.clientId,
        gty: "client-credentials",
        scope: grant.scope,
      },
      { dpopJkt: grant.jkt },
    );
  }

  function opaqueToken(
    claims: Record<string, unknown> = {},
    opaqueOptions: OpaqueTokenOptions = {},
  ): string {
    const now = nowSeconds();
    const token = randomId(32);
    registry.opaque.set(
      token,
      withoutUndefined({
        iss: url,
        aud: audience,
        sub: DEFAULT_SUBJECT,
        iat: now,
        jti: randomId(),
        exp: now + (opaqueOptions.expiresIn ?? tokenLifetime),
        token_type: opaqueOptions.dpopJkt === undefined ? "Bearer" : "DPoP",
        cnf: opaqueOptions.dpopJkt === undefined ? undefined : { jkt: opaqueOptions.dpopJkt },
        ...claims,
      }),
    );
    return token;
  }

  server.attach({
    url,
    audience,
    jwksUri,
    tokenEndpoint,
    introspectionEndpoint,
    clients,
    opaque: registry.opaque,
    revoked: registry.revoked,
    tokenLifetime,
    cacheControl,
    hits,
    failure: () => failure,
    jwks: () => keys.jwks(),
    mintClientToken,
    devToken: options.devEndpoints
      ? (req, res) => handleDevTokenRequest(req, res, { tokenLifetime, sign })
      : undefined,
  });

  return {
    url,
    origin,
    audience,
    jwksUri,
    tokenEndpoint,
    introspectionEndpoint,
    introspectionClient: { ...(clients[0] ?? DEFAULT_INTROSPECTION_CLIENT) },
    hits,
    resetHits() {
      hits.discovery = 0;
      hits.jwks = 0;
      hits.token = 0;
      hits.introspection = 0;
    },
    sign,
    opaqueToken,
    revoke(token) {
      registry.revoked.add(token);
    },
    jwks: () => keys.jwks(),
    rotateKeys: (rotateOptions) => keys.rotate(rotateOptions?.keepPrevious === true),
    fail(mode, failOptions) {
      if (mode === null) {
        failure = null;
        return;
      }
      if (!FAILURES.has(mode)) {
        throw new TypeError(`scopegate/testing: unknown failure mode "${String(mode)}"`);
      }
      failure = {
        mode,
        endpoints: [...(failOptions?.endpoints ?? ["discovery", "jwks"])],
        delayMs: failOptions?.delayMs ?? DEFAULT_SLOW_DELAY_MS,
      };
    },
    dpopKey: (alg) => createDpopKey(alg),
    dpopProof: async (proofOptions) => createDpopProof(proofOptions),
    close: () => server.close(),
  };
}
