import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from "jose";
import type { DevTokenRequest, DevTokenResponse } from "scopegate/testing";
import {
  type CliIo,
  EXIT,
  parseCommand,
  parseDuration,
  println,
  splitList,
  UsageError,
} from "./io.js";

/** Where `scopegate dev` listens by default, and so where `scopegate token` asks. */
export const DEFAULT_ISSUER = "http://127.0.0.1:4400/";

/** How to get a token from a real Auth0 tenant, which `scopegate token` cannot do. */
export const REAL_TENANT_HINT = `For a real tenant, get a token by its client-credentials grant (a machine-to-machine
application authorized for your API), or copy one from the API's Test tab in the dashboard:
  curl -s https://YOUR_DOMAIN/oauth/token -H 'content-type: application/json' \\
    -d '{"grant_type":"client_credentials","client_id":"…","client_secret":"…","audience":"YOUR_API_IDENTIFIER"}'
`;

/** `scopegate token --help`. */
export const TOKEN_HELP = `Usage: scopegate token [--scope "a b"] [--sub USER] [--permissions "x y"]
                       [--audience AUD] [--expires-in 3600] [--dpop] [--json] [--issuer URL]
                       [--acr VALUE] [--amr "pwd mfa"] [--auth-time TIME] [--org ID]
                       [--org-name NAME]

Mints an access token from the running \`scopegate dev\` issuer (its POST /dev/token).
Prints the bare token, so that TOKEN=$(scopegate token --scope read:messages) works.

Local dev issuer only: it cannot mint tokens for a real Auth0 tenant (or any other
issuer), whose keys it does not have.
${REAL_TENANT_HINT}
Options:
  --scope "a b"        the scope claim (space-separated)
  --sub USER           the subject (default auth0|test-user)
  --permissions "x y"  the Auth0 RBAC permissions claim (space- or comma-separated)
  --audience AUD       the aud claim (default: the dev issuer's audience)
  --expires-in TIME    lifetime: seconds or 90s, 15m, 1h, 2d; negative for an expired
                       token (write --expires-in=-60)
  --acr VALUE          the acr claim (step-up, RFC 9470), e.g. Auth0's MFA value
                       http://schemas.openid.net/pape/policies/2007/06/multi-factor
  --amr "pwd mfa"      the amr claim (space- or comma-separated), e.g. mfa
  --auth-time TIME     the auth_time claim: "now", seconds since the epoch (10+ digits),
                       or how long ago the login was (90s, 15m, 1h)
  --org ID             the Auth0 organization ID claim org_id (e.g. org_9ybsU1dN2dKfDkBi)
  --org-name NAME      the org_name claim (Auth0 sends it lower-cased)
  --dpop               bind the token to a new ES256 key (cnf.jkt, RFC 9449) and print
                       TOKEN=…, DPOP_JKT=… and DPOP_JWK='…' (the private key, to sign
                       proofs): eval "$(scopegate token --dpop)", then make each request's
                       proof with scopegate proof --url URL (it reads TOKEN and DPOP_JWK)
  --json               print { access_token, token_type, expires_in, dpop? } as JSON
                       (with --dpop, a file scopegate proof --key FILE reads)
  --issuer URL         the dev issuer (default $SCOPEGATE_ISSUER, else ${DEFAULT_ISSUER});
                       loopback hosts only
  -h, --help           this help
`;

/** `--auth-time`: "now", epoch seconds (10+ digits), or a duration ago (`15m`). */
function authTime(value: string): number {
  const now = Math.floor(Date.now() / 1000);
  const v = value.trim();
  if (v === "now") return now;
  if (/^\d{10,}$/.test(v)) return Number(v);
  const ago = parseDuration(v, "--auth-time");
  if (ago < 0)
    throw new UsageError(`--auth-time takes how long ago, not a negative duration: "${value}"`);
  return now - ago;
}

/** A DPoP key made by `--dpop`. */
interface DpopKey {
  alg: "ES256";
  jkt: string;
  private_jwk: JWK;
  public_jwk: JWK;
}

async function dpopKey(): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const privateJwk = { ...(await exportJWK(privateKey)), alg: "ES256" };
  return {
    alg: "ES256",
    jkt: await calculateJwkThumbprint(publicJwk, "sha256"),
    private_jwk: privateJwk,
    public_jwk: publicJwk,
  };
}

/** localhost, 127.0.0.0/8 or ::1: where a dev issuer can be. */
function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, "");
  return host === "localhost" || host === "::1" || /^127(?:\.\d{1,3}){3}$/.test(host);
}

function issuerUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--issuer "${value}" is not a URL`);
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || !isLoopbackHost(url.hostname)) {
    throw new UsageError(
      `--issuer ${value}: tokens are minted by the local dev issuer only (a loopback URL such as ${DEFAULT_ISSUER}); for a real Auth0 tenant use its client-credentials grant (see scopegate token --help)`,
    );
  }
  return url;
}

/** Why a fetch failed: the system error code (ECONNREFUSED, …) or the cause's message. */
function failure(error: unknown): string {
  const cause = error instanceof Error ? error.cause : undefined;
  if (typeof cause === "object" && cause !== null && "code" in cause && cause.code) {
    return String(cause.code);
  }
  if (cause instanceof Error) return cause.message;
  return error instanceof Error ? error.message : String(error);
}

/** Asks the dev issuer for a token; a string is an error message. */
async function mint(
  issuer: URL,
  body: DevTokenRequest,
  signal: AbortSignal | undefined,
): Promise<DevTokenResponse | string> {
  const endpoint = new URL("/dev/token", issuer);
  const timeout = AbortSignal.timeout(10_000);
  let res: Response;
  try {
    res = await fetch(endpoint, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      redirect: "error",
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
  } catch (error) {
    return `cannot reach the dev issuer at ${issuer.origin} (${failure(error)}): is \`scopegate dev\` running?`;
  }
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {}
  if (res.status === 404) {
    return `${issuer.origin} has no POST /dev/token: is it \`scopegate dev\` (createTestIssuer({ devEndpoints: true }))?`;
  }
  if (!res.ok || typeof json.access_token !== "string") {
    const why = typeof json.error_description === "string" ? json.error_description : text;
    return `the dev issuer answered ${res.status}: ${why.slice(0, 300)}`;
  }
  return json as unknown as DevTokenResponse;
}

/** `scopegate token`: mints a token from the running dev issuer. Returns the exit code. */
export async function tokenCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommand(args, {
    scope: { type: "string" },
    sub: { type: "string" },
    permissions: { type: "string" },
    audience: { type: "string" },
    "expires-in": { type: "string" },
    dpop: { type: "boolean" },
    json: { type: "boolean" },
    issuer: { type: "string" },
    acr: { type: "string" },
    amr: { type: "string" },
    "auth-time": { type: "string" },
    org: { type: "string" },
    "org-name": { type: "string" },
  });
  if (values.help) {
    io.stdout.write(TOKEN_HELP);
    return EXIT.ok;
  }
  const issuer = issuerUrl(values.issuer ?? (io.env.SCOPEGATE_ISSUER || DEFAULT_ISSUER));
  const claims: Record<string, unknown> = {};
  const scope = splitList(values.scope ?? "").join(" ");
  if (scope !== "") claims.scope = scope;
  if (values.sub !== undefined) claims.sub = values.sub;
  if (values.permissions !== undefined) claims.permissions = splitList(values.permissions);
  if (values.audience !== undefined) claims.aud = values.audience;
  if (values.acr !== undefined) claims.acr = values.acr;
  if (values.amr !== undefined) claims.amr = splitList(values.amr);
  if (values["auth-time"] !== undefined) claims.auth_time = authTime(values["auth-time"]);
  if (values.org !== undefined) claims.org_id = values.org;
  if (values["org-name"] !== undefined) claims.org_name = values["org-name"];
  const expiresIn =
    values["expires-in"] === undefined
      ? undefined
      : parseDuration(values["expires-in"], "--expires-in");
  const key = values.dpop ? await dpopKey() : undefined;

  const answer = await mint(issuer, { claims, expiresIn, dpopJkt: key?.jkt }, io.signal);
  if (typeof answer === "string") {
    println(io.stderr, `scopegate token: ${answer}`);
    return EXIT.failed;
  }
  if (values.json) {
    println(io.stdout, JSON.stringify({ ...answer, ...(key ? { dpop: key } : {}) }, null, 2));
  } else if (key) {
    println(
      io.stdout,
      `TOKEN=${answer.access_token}`,
      `DPOP_JKT=${key.jkt}`,
      `DPOP_JWK='${JSON.stringify(key.private_jwk)}'`,
    );
  } else {
    println(io.stdout, answer.access_token);
  }
  return EXIT.ok;
}
