/**
 * The runtime matrix's shared suite (npm run test:runtimes). It runs unchanged inside every
 * runtime — Node, Bun, Deno, workerd with and without `nodejs_compat`, Vercel's edge-runtime —
 * against the packed `scopegate` tarball, imported by its package name. Self-contained: keys,
 * tokens and DPoP proofs are made here with `jose`, and `createAuth` gets a static JWKS, so no
 * case touches the network. Only Web APIs (fetch `Request`/`Response`, WebCrypto) are used.
 *
 * Not a vitest file: `runSuite()` is called by the per-runtime entries next to it.
 */
import { initTRPC } from "@trpc/server";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { createSchema, createYoga } from "graphql-yoga";
import {
  base64url,
  type CryptoKey,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  type JWK,
  SignJWT,
} from "jose";
import {
  type AccessTokenClaims,
  type Auth,
  AuthError,
  type AuthState,
  createAuth,
} from "scopegate";
import { authDirective, authDirectiveTypeDefs, useAuth } from "scopegate/graphql";
import { errorFormatter, requireAuth, requireScopes } from "scopegate/trpc";

import {
  type Case,
  describeError,
  describeRuntime,
  eq,
  Failure,
  runCases,
  type SuiteReport,
} from "./cases.js";

const ISSUER = "https://issuer.runtime-matrix.example/";
const AUDIENCE = "https://api.runtime-matrix.example";
const ORIGIN = "https://api.runtime-matrix.example";
const TOKEN_ALGS = ["RS256", "ES256", "PS256", "EdDSA"] as const;
type TokenAlg = (typeof TOKEN_ALGS)[number];
const DPOP_ALGS = ["ES256", "EdDSA"];
/** The DPoP part of every challenge: `dpop.algorithms` is set below, so it is known exactly. */
const DPOP_CHALLENGE = `DPoP algs="${DPOP_ALGS.join(" ")}"`;

interface SigningKey {
  alg: TokenAlg;
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

interface ProofKey {
  alg: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
  thumbprint: string;
}

async function signingKey(alg: TokenAlg): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = `matrix-${alg.toLowerCase()}`;
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: "sig" };
  return { alg, kid, privateKey, publicJwk };
}

async function proofKey(alg: "ES256" | "EdDSA"): Promise<ProofKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  return { alg, privateKey, publicJwk, thumbprint: await calculateJwkThumbprint(publicJwk) };
}

let jtiCounter = 0;
const jti = () =>
  `${Date.now().toString(36)}-${++jtiCounter}-${Math.random().toString(36).slice(2)}`;

function sign(key: SigningKey, claims: Record<string, unknown>): Promise<string> {
  return new SignJWT({ client_id: "matrix-client", ...claims })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: "at+jwt" })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime("10m")
    .setJti(jti())
    .sign(key.privateKey);
}

async function dpopProof(key: ProofKey, method: string, url: string, token: string) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token));
  return new SignJWT({ htm: method, htu: url, ath: base64url.encode(new Uint8Array(digest)) })
    .setProtectedHeader({ alg: key.alg, typ: "dpop+jwt", jwk: key.publicJwk })
    .setIssuedAt()
    .setJti(jti())
    .sign(key.privateKey);
}

/** Flips one character in the middle of the signature (never the last: it may carry pad bits). */
function tamper(token: string): string {
  const dot = token.lastIndexOf(".");
  const i = dot + Math.floor((token.length - dot) / 2);
  const c = token[i] === "A" ? "B" : "A";
  return token.slice(0, i) + c + token.slice(i + 1);
}

function buildTrpc(auth: Auth<AccessTokenClaims>) {
  const t = initTRPC.context<{ auth: AuthState<AccessTokenClaims> }>().create({ errorFormatter });
  const router = t.router({
    whoami: t.procedure.use(requireAuth()).query(({ ctx }) => ({ sub: ctx.claims.sub ?? null })),
    messages: t.procedure
      .use(requireScopes("read:messages"))
      .query(({ ctx }) => ({ owner: ctx.claims.sub ?? null, messages: ["hello"] })),
  });
  return (req: Request) =>
    fetchRequestHandler({ endpoint: "/trpc", req, router, createContext: auth.createAuthContext });
}

function buildYoga(auth: Auth<AccessTokenClaims>) {
  const yoga = createYoga({
    schema: authDirective(
      createSchema({
        typeDefs: [
          authDirectiveTypeDefs,
          /* GraphQL */ `
            type Query {
              hello: String!
              me: String! @auth
              messages: [String!]! @auth(scopes: ["read:messages"])
            }
          `,
        ],
        resolvers: {
          Query: {
            hello: () => "hello",
            me: async (_: unknown, __: unknown, ctx: { auth: AuthState<AccessTokenClaims> }) =>
              (await ctx.auth.require()).sub ?? "",
            messages: () => ["hello"],
          },
        },
      }),
    ),
    plugins: [useAuth(auth)],
    logging: false,
    graphiql: false,
  });
  return (query: string, headers: Record<string, string> = {}) =>
    yoga.fetch(`${ORIGIN}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json", ...headers },
      body: JSON.stringify({ query }),
    });
}

/**
 * Keys, the verifier and two tokens. A key type the runtime cannot generate fails only its own
 * cases; the tRPC handler and the yoga server are built on first use, so one that cannot be
 * built fails only its own cases too.
 */
async function fixture() {
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

type Fixture = Awaited<ReturnType<typeof fixture>>;

function challenge(params?: string): string {
  return params
    ? `Bearer realm="api", ${params}, ${DPOP_CHALLENGE}`
    : `Bearer realm="api", ${DPOP_CHALLENGE}`;
}

async function expectAuthError(
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

async function expectResponse(
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

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

function cases(f: () => Promise<Fixture>): Case[] {
  const list: Case[] = [
    [
      "setup: keys (RS256, ES256, PS256, EdDSA), createAuth with a static JWKS, tokens",
      async () => {
        await f();
      },
    ],
  ];
  for (const alg of TOKEN_ALGS) {
    list.push([
      `verify ${alg}: valid token -> claims`,
      async () => {
        const { key, auth } = await f();
        const claims = await auth.verify(
          await sign(key(alg), { sub: `user-${alg}`, scope: "a b" }),
        );
        eq(
          [claims.sub, claims.scope, claims.iss, claims.aud],
          [`user-${alg}`, "a b", ISSUER, AUDIENCE],
          "claims",
        );
      },
    ]);
    list.push([
      `verify ${alg}: tampered signature -> 401 invalid_signature`,
      async () => {
        const { key, auth } = await f();
        const token = tamper(await sign(key(alg), { sub: `user-${alg}` }));
        await expectAuthError(auth.verify(token), {
          status: 401,
          code: "invalid_token",
          reason: "invalid_signature",
          challenge: challenge(
            'error="invalid_token", error_description="signature verification failed"',
          ),
        });
      },
    ]);
  }
  list.push([
    "createAuthContext(Request) -> ctx.auth.require() and scope checks",
    async () => {
      const { auth, reader } = await f();
      const ctx = await auth.createAuthContext(
        new Request(`${ORIGIN}/x`, { headers: bearer(reader) }),
      );
      const claims = await ctx.auth.require();
      eq(
        [
          claims.sub,
          ctx.auth.scheme,
          await ctx.auth.hasScopes("read:messages"),
          await ctx.auth.hasScopes("admin"),
        ],
        ["reader", "Bearer", true, false],
        "sub, scheme, hasScopes",
      );
    },
  ]);
  list.push([
    "createAuthContext(Request) without a token -> require() rejects 401, bare challenge",
    async () => {
      const { auth } = await f();
      const ctx = await auth.createAuthContext(new Request(`${ORIGIN}/x`));
      eq(await ctx.auth.claims(), null, "claims()");
      await expectAuthError(ctx.auth.require(), {
        status: 401,
        code: "unauthorized",
        challenge: challenge(),
      });
    },
  ]);
  list.push([
    "tRPC fetch adapter: requireScopes with the scope -> 200",
    async () => {
      const { trpc, reader } = await f();
      const body = await expectResponse(
        await trpc(new Request(`${ORIGIN}/trpc/messages`, { headers: bearer(reader) })),
        200,
        null,
      );
      eq(body.result, { data: { owner: "reader", messages: ["hello"] } }, "result");
    },
  ]);
  list.push([
    "tRPC fetch adapter: no token -> 401 with the challenge",
    async () => {
      const { trpc } = await f();
      const body = await expectResponse(
        await trpc(new Request(`${ORIGIN}/trpc/messages`)),
        401,
        challenge(),
      );
      eq(
        (body.error as { data?: { code?: string } }).data?.code,
        "UNAUTHORIZED",
        "error.data.code",
      );
    },
  ]);
  list.push([
    "tRPC fetch adapter: token without the scope -> 403 with scope=",
    async () => {
      const { trpc, basic } = await f();
      const body = await expectResponse(
        await trpc(new Request(`${ORIGIN}/trpc/messages`, { headers: bearer(basic) })),
        403,
        challenge(
          'error="insufficient_scope", error_description="missing required scopes: read:messages", scope="read:messages"',
        ),
      );
      eq(
        (body.error as { data?: { auth?: unknown } }).data?.auth,
        {
          error: "insufficient_scope",
          error_description: "missing required scopes: read:messages",
        },
        "error.data.auth",
      );
    },
  ]);
  list.push([
    "graphql-yoga: public field without a token -> 200",
    async () => {
      const { graphql } = await f();
      const body = await expectResponse(await graphql("{ hello }"), 200, null);
      eq(body, { data: { hello: "hello" } }, "body");
    },
  ]);
  list.push([
    "graphql-yoga: @auth fields with the scope -> 200",
    async () => {
      const { graphql, reader } = await f();
      const body = await expectResponse(
        await graphql("{ me messages }", bearer(reader)),
        200,
        null,
      );
      eq(body, { data: { me: "reader", messages: ["hello"] } }, "body");
    },
  ]);
  list.push([
    "graphql-yoga: @auth field without a token -> 401 UNAUTHENTICATED, no data",
    async () => {
      const { graphql } = await f();
      const body = await expectResponse(await graphql("{ hello me }"), 401, challenge());
      const errors = body.errors as Array<{ path?: unknown; extensions?: { code?: string } }>;
      eq(
        ["data" in body, errors[0]?.extensions?.code, errors[0]?.path],
        [false, "UNAUTHENTICATED", ["me"]],
        "body",
      );
    },
  ]);
  list.push([
    "graphql-yoga: @auth(scopes) without the scope -> 403 FORBIDDEN with scope=",
    async () => {
      const { graphql, basic } = await f();
      const body = await expectResponse(
        await graphql("{ me messages }", bearer(basic)),
        403,
        challenge(
          'error="insufficient_scope", error_description="missing required scopes: read:messages", scope="read:messages"',
        ),
      );
      const errors = body.errors as Array<{ path?: unknown; extensions?: { code?: string } }>;
      eq(
        ["data" in body, errors.length, errors[0]?.extensions?.code, errors[0]?.path],
        [false, 1, "FORBIDDEN", ["messages"]],
        "body",
      );
    },
  ]);

  // DPoP (RFC 9449) through the tRPC fetch adapter: a token bound to an ES256 proof key.
  const url = `${ORIGIN}/trpc/whoami`;
  let bound: Promise<{ token: string; key: ProofKey }> | undefined;
  const boundToken = () => {
    bound ??= (async () => {
      const { key: signing } = await f();
      const key = await proofKey("ES256");
      const token = await sign(signing("PS256"), {
        sub: "dpop-user",
        cnf: { jkt: key.thumbprint },
      });
      return { token, key };
    })();
    return bound;
  };
  const dpopRequest = (token: string, proof: string) =>
    new Request(url, { headers: { authorization: `DPoP ${token}`, dpop: proof } });
  list.push([
    "DPoP: bound token with a fresh proof -> 200",
    async () => {
      const { trpc } = await f();
      const { token, key } = await boundToken();
      const proof = await dpopProof(key, "GET", url, token);
      const body = await expectResponse(await trpc(dpopRequest(token, proof)), 200, null);
      eq(body.result, { data: { sub: "dpop-user" } }, "result");
    },
  ]);
  list.push([
    "DPoP: the same proof again -> 400 invalid_dpop_proof",
    async () => {
      const { trpc } = await f();
      const { token, key } = await boundToken();
      const proof = await dpopProof(key, "GET", url, token);
      await expectResponse(await trpc(dpopRequest(token, proof)), 200, null);
      await expectResponse(
        await trpc(dpopRequest(token, proof)),
        400,
        `Bearer realm="api", DPoP error="invalid_dpop_proof", error_description="DPoP proof was already used", algs="${DPOP_ALGS.join(" ")}"`,
      );
    },
  ]);
  list.push([
    "DPoP: a proof signed by another key -> 401 invalid_token",
    async () => {
      const { trpc } = await f();
      const { token } = await boundToken();
      const other = await proofKey("ES256");
      await expectResponse(
        await trpc(dpopRequest(token, await dpopProof(other, "GET", url, token))),
        401,
        `Bearer realm="api", DPoP error="invalid_token", error_description="DPoP proof key does not match the token binding", algs="${DPOP_ALGS.join(" ")}"`,
      );
    },
  ]);
  list.push([
    "DPoP: bound token sent as Bearer -> 401 invalid_token",
    async () => {
      const { trpc } = await f();
      const { token } = await boundToken();
      const res = await trpc(new Request(url, { headers: bearer(token) }));
      await res.text();
      eq(
        [
          res.status,
          res.headers
            .get("www-authenticate")
            ?.startsWith('Bearer realm="api", error="invalid_token"'),
        ],
        [401, true],
        `status and challenge (${res.headers.get("www-authenticate")})`,
      );
    },
  ]);
  list.push([
    "DPoP: auth.verify with an EdDSA proof key -> claims with cnf.jkt",
    async () => {
      const { key: signing, auth } = await f();
      const key = await proofKey("EdDSA");
      const token = await sign(signing("EdDSA"), { sub: "dpop-ed", cnf: { jkt: key.thumbprint } });
      const proofUrl = `${ORIGIN}/graphql`;
      const claims = await auth.verify(token, {
        method: "POST",
        url: proofUrl,
        dpop: await dpopProof(key, "POST", proofUrl, token),
      });
      eq(
        [claims.sub, (claims.cnf as { jkt?: string } | undefined)?.jkt],
        ["dpop-ed", key.thumbprint],
        "claims",
      );
    },
  ]);
  return list;
}

/**
 * An issuer on the driver's loopback (the packed `scopegate/testing` on the Node host) and a
 * token it signed: with it the suite also checks discovery and JWKS over the runtime's own
 * `fetch`, as a deployed `createAuth({ issuer })` or `createAuth({ domain })` works.
 */
export interface NetworkTarget {
  issuer: string;
  audience: string;
  token: string;
}

function networkCase(target: NetworkTarget): Case {
  return [
    "createAuth({ issuer }) on loopback: discovery + JWKS through this runtime's fetch -> claims",
    async () => {
      const auth = createAuth({ issuer: target.issuer, audience: target.audience });
      const claims = await auth.verify(target.token);
      eq([claims.sub, claims.iss], ["network-user", target.issuer], "claims");
    },
  ];
}

/** The causes of an error, outermost first ("TypeError: Illegal invocation" matters here). */
function causes(error: unknown): string {
  const chain: string[] = [];
  let e = (error as { cause?: unknown }).cause;
  while (e !== undefined && chain.length < 4) {
    chain.push(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
    e = (e as { cause?: unknown }).cause;
  }
  return chain.length ? `; cause: ${chain.join(" <- ")}` : "";
}

/**
 * Runs every case (each with a deadline) and returns the outcomes; never throws. Keys are
 * generated on the first call, inside the request in Workers (no crypto at global scope there).
 */
export async function runSuite(
  options: { caseTimeoutMs?: number; network?: NetworkTarget } = {},
): Promise<SuiteReport> {
  let fixed: Promise<Fixture> | undefined;
  const f = () => {
    fixed ??= fixture();
    return fixed;
  };
  const describe = (error: unknown) =>
    error instanceof AuthError
      ? `unexpected AuthError ${error.status} ${error.code} (${error.reason}): ${error.description}${causes(error)}`
      : describeError(error);
  const list = cases(f);
  if (options.network) list.push(networkCase(options.network));
  const results = await runCases(list, options.caseTimeoutMs ?? 20_000, describe);
  return { ...describeRuntime(), results };
}
