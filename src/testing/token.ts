import type { IncomingMessage, ServerResponse } from "node:http";
import { InvalidProofError, verifyTokenEndpointProof } from "./dpop.js";
import { NO_STORE, readBodyOrReply, sendJson } from "./http.js";

/** What the token endpoint needs from the issuer. */
export interface TokenEndpointContext {
  /** The configured token endpoint URL (`origin + "/oauth/token"`). */
  readonly tokenEndpoint: string;
  /** Default `aud` when the request names no `audience`. */
  readonly audience: string;
  /** `expires_in` of issued tokens, in seconds. */
  readonly tokenLifetime: number;
  /** Signs the access token of a client-credentials grant. */
  mintClientToken(grant: ClientGrant): Promise<string>;
}

/** A validated client-credentials request. */
export interface ClientGrant {
  readonly clientId: string;
  readonly audience: string;
  readonly scope: string | undefined;
  /** Thumbprint of the DPoP proof key: the token is bound with `cnf.jkt`. */
  readonly jkt: string | undefined;
}

type Params = Map<string, string>;

function oauthError(res: ServerResponse, status: number, error: string, description: string) {
  sendJson(res, status, { error, error_description: description }, NO_STORE);
}

/** Parses a JSON or `application/x-www-form-urlencoded` body; `undefined` when malformed. */
function parseParams(contentType: string, text: string): Params | undefined {
  if (contentType.includes("application/json")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return undefined;
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return undefined;
    const params: Params = new Map();
    for (const [name, value] of Object.entries(parsed)) {
      if (typeof value === "string") params.set(name, value);
    }
    return params;
  }
  return new Map(new URLSearchParams(text));
}

/** The client id of an `Authorization: Basic` header (client_secret_basic), if any. */
function basicClientId(header: string | undefined): string | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? "");
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  const id = colon === -1 ? decoded : decoded.slice(0, colon);
  try {
    return decodeURIComponent(id.replace(/\+/g, " ")) || undefined;
  } catch {
    return undefined;
  }
}

/**
 * `POST /oauth/token`: the client-credentials grant. The client secret is not checked; any
 * `client_id` is accepted. A `DPoP` header with a valid proof binds the token (RFC 9449 §5).
 */
export async function handleTokenRequest(
  req: IncomingMessage,
  res: ServerResponse,
  context: TokenEndpointContext,
): Promise<void> {
  const text = await readBodyOrReply(req, res);
  if (text === undefined) return;
  const params = parseParams(req.headers["content-type"] ?? "", text);
  if (!params) {
    oauthError(res, 400, "invalid_request", "the request body is not a JSON object");
    return;
  }
  if (params.get("grant_type") !== "client_credentials") {
    oauthError(res, 400, "unsupported_grant_type", "only client_credentials is supported");
    return;
  }
  const clientId = params.get("client_id") || basicClientId(req.headers.authorization);
  if (!clientId) {
    oauthError(res, 401, "invalid_client", "client_id is required");
    return;
  }

  let jkt: string | undefined;
  const dpopHeader = req.headers.dpop;
  if (dpopHeader !== undefined) {
    const proof = Array.isArray(dpopHeader) ? dpopHeader.join(",") : dpopHeader;
    const hostUri = `http://${req.headers.host ?? ""}/oauth/token`;
    try {
      jkt = await verifyTokenEndpointProof(proof, [context.tokenEndpoint, hostUri]);
    } catch (error) {
      const description = error instanceof InvalidProofError ? error.message : "invalid proof";
      oauthError(res, 400, "invalid_dpop_proof", description);
      return;
    }
  }

  const scope = params.get("scope")?.trim() || undefined;
  const accessToken = await context.mintClientToken({
    clientId,
    audience: params.get("audience") || context.audience,
    scope,
    jkt,
  });
  sendJson(
    res,
    200,
    {
      access_token: accessToken,
      token_type: jkt === undefined ? "Bearer" : "DPoP",
      expires_in: context.tokenLifetime,
      scope: scope ?? "",
    },
    NO_STORE,
  );
}
