import type { IncomingMessage, ServerResponse } from "node:http";
import { NO_STORE, readBodyOrReply, sendJson } from "./http.js";
import type { SignOptions } from "./types.js";

/** Path of the development token endpoint (see `TestIssuerOptions.devEndpoints`). */
export const DEV_TOKEN_PATH = "/dev/token";

/**
 * JSON body of `POST /dev/token` on a test issuer started with `devEndpoints: true`.
 *
 * @example
 * ```ts
 * const body: DevTokenRequest = {
 *   claims: { sub: "auth0|alice", scope: "read:messages" },
 *   expiresIn: 600,
 * };
 * await fetch(`${issuer.origin}/dev/token`, { method: "POST", body: JSON.stringify(body) });
 * ```
 */
export interface DevTokenRequest {
  /** Claims merged over the defaults of `TestIssuer.sign()`; `null` removes a claim. */
  claims?: Record<string, unknown>;
  /** `exp` in seconds from now (an integer, may be negative); default `tokenLifetime`. */
  expiresIn?: number;
  /** RFC 7638 thumbprint of a DPoP key: the token gets `cnf: { jkt }`. */
  dpopJkt?: string;
}

/**
 * Answer of `POST /dev/token`.
 *
 * @example
 * ```ts
 * const { access_token }: DevTokenResponse = await res.json();
 * ```
 */
export interface DevTokenResponse {
  /** The signed access token. */
  access_token: string;
  /** `"DPoP"` when `dpopJkt` was given, else `"Bearer"`. */
  token_type: "Bearer" | "DPoP";
  /** Lifetime in seconds (`expiresIn`, or the issuer's `tokenLifetime`). */
  expires_in: number;
}

/** What the development endpoint needs from the issuer. */
export interface DevEndpointContext {
  readonly tokenLifetime: number;
  sign(claims: Record<string, unknown>, options: SignOptions): Promise<string>;
}

const MEMBERS: ReadonlySet<string> = new Set(["claims", "expiresIn", "dpopJkt"]);
const JKT = /^[A-Za-z0-9_-]{43}$/;
const LOOPBACK_HOST = /^(?:127(?:\.\d{1,3}){3}|localhost|\[::1\])(?::\d{1,5})?$/i;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Validates a request body; a string is the error description. */
function parseRequest(text: string): DevTokenRequest | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text === "" ? "{}" : text);
  } catch {
    return "the request body is not JSON";
  }
  if (!isObject(parsed)) return "the request body must be a JSON object";
  const unknown = Object.keys(parsed).find((name) => !MEMBERS.has(name));
  if (unknown !== undefined) {
    return `unknown member ${JSON.stringify(unknown)}; expected claims, expiresIn, dpopJkt`;
  }
  const { claims, expiresIn, dpopJkt } = parsed;
  if (claims !== undefined && !isObject(claims)) return "claims must be a JSON object";
  if (expiresIn !== undefined && !Number.isSafeInteger(expiresIn)) {
    return "expiresIn must be an integer number of seconds";
  }
  if (dpopJkt !== undefined && (typeof dpopJkt !== "string" || !JKT.test(dpopJkt))) {
    return "dpopJkt must be an RFC 7638 SHA-256 thumbprint (43 base64url characters)";
  }
  return {
    claims: claims as Record<string, unknown> | undefined,
    expiresIn: expiresIn as number | undefined,
    dpopJkt: dpopJkt as string | undefined,
  };
}

/**
 * `POST /dev/token`: mints a token with arbitrary claims. The server listens on 127.0.0.1
 * only; a `Host` header naming anything but a loopback host (DNS rebinding) is refused.
 */
export async function handleDevTokenRequest(
  req: IncomingMessage,
  res: ServerResponse,
  context: DevEndpointContext,
): Promise<void> {
  const text = await readBodyOrReply(req, res);
  if (text === undefined) return;
  if (!LOOPBACK_HOST.test(req.headers.host ?? "")) {
    const description = "the development endpoint answers loopback hosts only";
    sendJson(res, 403, { error: "access_denied", error_description: description }, NO_STORE);
    return;
  }
  const request = parseRequest(text);
  if (typeof request === "string") {
    sendJson(res, 400, { error: "invalid_request", error_description: request }, NO_STORE);
    return;
  }
  // JSON has no `undefined`: a claim set to null is removed, as `sign()` does with undefined.
  const claims = Object.fromEntries(
    Object.entries(request.claims ?? {}).map(([name, value]) => [name, value ?? undefined]),
  );
  const accessToken = await context.sign(claims, {
    expiresIn: request.expiresIn,
    dpopJkt: request.dpopJkt,
  });
  const answer: DevTokenResponse = {
    access_token: accessToken,
    token_type: request.dpopJkt === undefined ? "Bearer" : "DPoP",
    expires_in: request.expiresIn ?? context.tokenLifetime,
  };
  sendJson(res, 200, answer, NO_STORE);
}
