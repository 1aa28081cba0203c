/**
 * The shared suite's core cases: the fixture itself, `auth.verify` with every token algorithm
 * (valid and tampered), and `auth.createAuthContext` on a Fetch `Request`.
 */
import { type Case, eq } from "../cases.js";
import { bearer, challenge, expectAuthError, type GetFixture } from "./fixture.js";
import { AUDIENCE, ISSUER, ORIGIN, sign, TOKEN_ALGS, tamper } from "./tokens.js";

export function verifyCases(f: GetFixture): Case[] {
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
  return list;
}
