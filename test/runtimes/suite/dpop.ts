/**
 * The shared suite's DPoP (RFC 9449) cases: through the tRPC fetch adapter, a token bound to
 * an ES256 proof key (a fresh proof, a replayed one, another key's, sent as Bearer); and
 * `auth.verify` with an EdDSA proof key.
 */
import { type Case, eq } from "../cases.js";
import { bearer, expectResponse, type GetFixture } from "./fixture.js";
import { DPOP_ALGS, dpopProof, ORIGIN, type ProofKey, proofKey, sign } from "./tokens.js";

/** The challenge of a DPoP refusal (the DPoP scheme carries the error). */
const dpopChallenge = (error: string, description: string) =>
  `Bearer realm="api", DPoP error="${error}", error_description="${description}", algs="${DPOP_ALGS.join(" ")}"`;

export function dpopCases(f: GetFixture): Case[] {
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
  return [
    [
      "DPoP: bound token with a fresh proof -> 200",
      async () => {
        const { trpc } = await f();
        const { token, key } = await boundToken();
        const proof = await dpopProof(key, "GET", url, token);
        const body = await expectResponse(await trpc(dpopRequest(token, proof)), 200, null);
        eq(body.result, { data: { sub: "dpop-user" } }, "result");
      },
    ],
    [
      "DPoP: the same proof again -> 400 invalid_dpop_proof",
      async () => {
        const { trpc } = await f();
        const { token, key } = await boundToken();
        const proof = await dpopProof(key, "GET", url, token);
        await expectResponse(await trpc(dpopRequest(token, proof)), 200, null);
        await expectResponse(
          await trpc(dpopRequest(token, proof)),
          400,
          dpopChallenge("invalid_dpop_proof", "DPoP proof was already used"),
        );
      },
    ],
    [
      "DPoP: a proof signed by another key -> 401 invalid_token",
      async () => {
        const { trpc } = await f();
        const { token } = await boundToken();
        const other = await proofKey("ES256");
        await expectResponse(
          await trpc(dpopRequest(token, await dpopProof(other, "GET", url, token))),
          401,
          dpopChallenge("invalid_token", "DPoP proof key does not match the token binding"),
        );
      },
    ],
    [
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
    ],
    [
      "DPoP: auth.verify with an EdDSA proof key -> claims with cnf.jkt",
      async () => {
        const { key: signing, auth } = await f();
        const key = await proofKey("EdDSA");
        const token = await sign(signing("EdDSA"), {
          sub: "dpop-ed",
          cnf: { jkt: key.thumbprint },
        });
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
    ],
  ];
}
