/**
 * The shared suite's fixture (keys, the verifier with a static JWKS, the servers, two tokens),
 * built once on first use, and the expectations the cases share.
 */
import { AuthError, createAuth } from "scopegate";
import { describeError, eq, Failure } from "../cases.js";
import { buildTrpc, buildYoga } from "./servers.js";
import {
  AUDIENCE,
  DPOP_ALGS,
  ISSUER,
  type SigningKey,
  sign,
  signingKey,
  TOKEN_ALGS,
  type TokenAlg,
} from "./tokens.js";

/**
 * Keys, the verifier and two tokens. A key type the runtime cannot generate fails only its own
 * cases; the tRPC handler and the yoga server are built on first use, so one that cannot be
 * built fails only its own cases too.
 */
export async function fixture() {
  const generated = await Promise.all(
    TOKEN_ALGS.map((alg) =>
      signingKey(alg).catch(
        (error: unknown) => new Failure(`generating an ${alg} key: ${describeError(error)}`),
      ),
    ),
  );
  const keys = Object.fromEntries(TOKEN_ALGS.map((alg, i) => [alg, generated[i]])) as Record<
    TokenAlg,
    SigningKey | Failure
  >;
  const key = (alg: TokenAlg): SigningKey => {
    const k = keys[alg];
    if (k instanceof Failure) throw k;
    return k;
  };
  const auth = createAuth({
    issuer: ISSUER,
    audience: AUDIENCE,
    jwks: { keys: generated.flatMap((k) => (k instanceof Failure ? [] : [k.publicJwk])) },
    dpop: { algorithms: DPOP_ALGS },
  });
  let trpcHandler: ReturnType<typeof buildTrpc> | undefined;
  let yogaFetch: ReturnType<typeof buildYoga> | undefined;
  return {
    key,
    auth,
    trpc: (req: Request) => {
      trpcHandler ??= buildTrpc(auth);
      return trpcHandler(req);
    },
    graphql: (query: string, headers?: Record<string, string>) => {
      yogaFetch ??= buildYoga(auth);
      return yogaFetch(query, headers);
    },
    reader: await sign(key("ES256"), { sub: "reader", scope: "read:messages" }),
    basic: await sign(key("RS256"), { sub: "basic", scope: "profile" }),
  };
}

export type Fixture = Awaited<ReturnType<typeof fixture>>;
/** The fixture, built on the first call (inside the request in Workers). */
export type GetFixture = () => Promise<Fixture>;

/** The DPoP part of every challenge: `dpop.algorithms` is set, so it is known exactly. */
const DPOP_CHALLENGE = `DPoP algs="${DPOP_ALGS.join(" ")}"`;

/** The `WWW-Authenticate` of a refusal: the Bearer challenge with `params`, then DPoP's. */
export function challenge(params?: string): string {
  return params
    ? `Bearer realm="api", ${params}, ${DPOP_CHALLENGE}`
    : `Bearer realm="api", ${DPOP_CHALLENGE}`;
}

/** The challenge of a 403 for want of `read:messages`. */
export const MISSING_READ_MESSAGES = challenge(
  'error="insufficient_scope", error_description="missing required scopes: read:messages", scope="read:messages"',
);

export async function expectAuthError(
  promise: Promise<unknown>,
  expected: { status: number; code: string; reason?: string; challenge?: string },
): Promise<AuthError> {
  let error: unknown;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  if (error === undefined)
    throw new Failure(`expected an AuthError ${expected.status}, it resolved`);
  if (!(error instanceof AuthError)) {
    throw new Failure(`expected an AuthError, got ${String(error)}`);
  }
  const got: Record<string, unknown> = { status: error.status, code: error.code };
  if (expected.reason !== undefined) got.reason = error.reason;
  if (expected.challenge !== undefined) got.challenge = error.headers["WWW-Authenticate"];
  eq(got, expected, "AuthError");
  return error;
}

/** Checks the status and the challenge; returns the JSON body. */
export async function expectResponse(
  res: Response,
  status: number,
  wwwAuthenticate: string | null,
): Promise<Record<string, unknown>> {
  const text = await res.text();
  eq(
    { status: res.status, wwwAuthenticate: res.headers.get("www-authenticate") },
    { status, wwwAuthenticate },
    `response (body ${text.slice(0, 300)})`,
  );
  return JSON.parse(text) as Record<string, unknown>;
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
