import { MAX_TOKEN_LENGTH } from "scopegate";
import type { InspectConfig } from "./config.js";
import { audiences, type Decoded, type Json } from "./decode.js";
import { CLOCK_TOLERANCE, type Finding, headerFindings, note, problem } from "./findings.js";
import { isoDate, relative, shown } from "./format.js";

const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const ID_TOKEN_CLAIMS = ["nonce", "at_hash", "c_hash", "auth_time"];

function audienceFix(config: InspectConfig): string {
  return config.audience ? `audience: ${shown(config.audience)}` : "your API's audience";
}

function fromAuth0WithoutAudience(config: InspectConfig): string {
  return `Auth0 issues these when the login or token request names no audience. Request the token with ${audienceFix(config)} (auth0-react / auth0-spa-js: authorizationParams.audience; client credentials: the audience parameter).`;
}

function issuerFindings(payload: Json, config: InspectConfig): Finding[] {
  const { iss } = payload;
  if (typeof iss !== "string" || iss === "") {
    return [problem("issuer_not_allowed", "the token has no iss (issuer)", "It is required.")];
  }
  const expected = config.issuer;
  if (expected === undefined || iss === expected) return [];
  const host = URL.canParse(iss) ? new URL(iss).host : "";
  const fix =
    host.endsWith(".auth0.com") && iss === `https://${host}/`
      ? `If this tenant is the right one, configure domain ${shown(host)}.`
      : `If this issuer is the right one, configure issuer ${shown(iss)}.`;
  const detail =
    iss.replace(/\/+$/, "") === expected.replace(/\/+$/, "")
      ? `They differ only in the trailing slash, and iss is compared exactly (Auth0 issuers end with /). ${fix}`
      : `The token comes from another authorization server or tenant. ${fix}`;
  return [
    problem(
      "issuer_not_allowed",
      `wrong issuer: expected ${shown(expected)}, the token has ${shown(iss)}`,
      detail,
    ),
  ];
}

function timeFindings(payload: Json, now: number): Finding[] {
  const { exp, nbf, iat } = payload;
  const out: Finding[] = [];
  if (exp === undefined) {
    out.push(problem("missing_claim", "the token has no exp", "scopegate requires exp."));
  } else if (isoDate(exp) === undefined) {
    out.push(problem("invalid_claims", `exp ${shown(exp)} is not a time`, "Not accepted."));
  } else if ((exp as number) <= now - CLOCK_TOLERANCE) {
    out.push(
      problem(
        "token_expired",
        `expired ${relative(exp as number, now)} (exp ${isoDate(exp)})`,
        "Get a new token; clients should renew tokens before they expire.",
      ),
    );
  }
  if (
    nbf !== undefined &&
    (isoDate(nbf) === undefined || (nbf as number) > now + CLOCK_TOLERANCE)
  ) {
    out.push(
      typeof nbf === "number"
        ? problem(
            "token_not_yet_valid",
            `not yet valid: valid ${relative(nbf, now)} (nbf ${isoDate(nbf)})`,
            `If that is unexpected, check the clocks of this machine and of the issuer (${CLOCK_TOLERANCE} s of skew are allowed).`,
          )
        : problem("invalid_claims", `nbf ${shown(nbf)} is not a time`, "Not accepted."),
    );
  }
  if (typeof iat === "number" && iat > now + CLOCK_TOLERANCE) {
    out.push(
      problem(
        "token_issued_in_future",
        `issued in the future (iat ${isoDate(iat)}, ${relative(iat, now)})`,
        "Check the clocks of this machine and of the issuer.",
      ),
    );
  }
  return out;
}

function audienceFindings(payload: Json, config: InspectConfig): Finding[] {
  const found = audiences(payload);
  const idClaims = ID_TOKEN_CLAIMS.filter((name) => payload[name] !== undefined);
  const expected = config.audience;
  if (expected !== undefined && found.includes(expected)) return [];
  const has = found.length > 0 ? found.map(shown).join(", ") : "no aud";
  if (idClaims.length > 0) {
    const vs = expected ? `expected audience ${shown(expected)}, ` : "";
    return [
      problem(
        "id_token",
        `this looks like an ID token, not an access token (it has ${idClaims.join(", ")})`,
        `An ID token tells the client who logged in; its aud is the client id (${vs}the token has ${has}). Send the access token instead (auth0-react: getAccessTokenSilently() with authorizationParams.audience, not the ID token).`,
      ),
    ];
  }
  if (expected === undefined) return [];
  const management = found.some((a) => /\/api\/v2\/?$/.test(a))
    ? " It is a token for the Auth0 Management API, not for your API."
    : "";
  return [
    problem(
      "audience_mismatch",
      `wrong audience: expected ${shown(expected)}, the token has ${has}`,
      `The token was requested for another API.${management} Request it with ${audienceFix(config)}, or configure the audience the token carries.`,
    ),
  ];
}

function notes(payload: Json): Finding[] {
  const out: Finding[] = [];
  const cnf = payload.cnf as Json | undefined;
  if (typeof cnf?.jkt === "string") {
    out.push(
      note(
        `DPoP-bound token (cnf.jkt ${shown(cnf.jkt)})`,
        "Send it as `Authorization: DPoP <token>` with a DPoP proof signed by the key of that thumbprint (RFC 9449); sent as Bearer it is refused (401 invalid_token).",
      ),
    );
  }
  const scope = payload.scope ?? payload.scp;
  const permissions = payload.permissions;
  const granted = [
    ...(scope === undefined ? [] : [`scope ${shown(scope)}`]),
    ...(permissions === undefined ? [] : [`permissions ${shown(permissions)}`]),
  ];
  out.push(note("grants", granted.length > 0 ? granted.join(", ") : "no scope, no permissions"));
  return out;
}

/**
 * Everything `inspect` finds wrong with a token under `config`, problems in the order
 * scopegate checks them (so the first problem is the error the API answers), then notes.
 */
export function diagnose(
  token: string,
  decoded: Decoded,
  config: InspectConfig,
  now: number,
): Finding[] {
  if (token.length > MAX_TOKEN_LENGTH) {
    return [problem("token_too_large", "the token is larger than 16 KiB", "Not accepted.")];
  }
  if (!B64TOKEN.test(token)) {
    return [
      problem(
        "malformed_token",
        "the token has characters a bearer token can not have",
        "Copy it again without quotes, spaces or line breaks.",
      ),
    ];
  }
  switch (decoded.kind) {
    case "opaque":
      return [problem("opaque_token", "opaque token: not a JWT", fromAuth0WithoutAudience(config))];
    case "jwe": {
      const alg = decoded.header?.alg;
      const dir = alg === "dir" ? ` ${fromAuth0WithoutAudience(config)}` : "";
      return [
        problem(
          "encrypted_token",
          `encrypted token (JWE, alg ${shown(alg)}, enc ${shown(decoded.header?.enc)})`,
          `An API can not read it; scopegate accepts signed JWTs (JWS) only.${dir}`,
        ),
      ];
    }
    case "malformed":
      return [problem("malformed_token", "not a valid JWT", `${decoded.problem}.`)];
    case "jws": {
      const unsigned =
        !decoded.signed && decoded.header.alg !== "none"
          ? [problem("invalid_signature", "the signature is empty", "It can not verify.")]
          : [];
      return [
        ...headerFindings(decoded.header),
        ...issuerFindings(decoded.payload, config),
        ...unsigned,
        ...timeFindings(decoded.payload, now),
        ...audienceFindings(decoded.payload, config),
        ...notes(decoded.payload),
      ];
    }
  }
}
