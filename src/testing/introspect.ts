import type { IncomingMessage, ServerResponse } from "node:http";
import { createLocalJWKSet, importJWK, type JWK, jwtVerify } from "jose";
import { NO_STORE, readBodyOrReply, sendJson } from "./http.js";
import { nowSeconds } from "./jws.js";
import type { IntrospectionClient } from "./types.js";

/** The path of the RFC 7662 introspection endpoint. */
export const INTROSPECT_PATH = "/oauth/introspect";

/** The `private_key_jwt` assertion type (RFC 7523 §2.2). */
const ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/** What the introspection endpoint needs from the issuer. */
export interface IntrospectionContext {
  readonly url: string;
  readonly introspectionEndpoint: string;
  readonly clients: readonly IntrospectionClient[];
  /** Claims of opaque tokens made by `opaqueToken()`. */
  readonly opaque: ReadonlyMap<string, Record<string, unknown>>;
  readonly revoked: ReadonlySet<string>;
  jwks(): { keys: JWK[] };
}

/**
 * The introspection state of a test issuer: opaque tokens (bounded only by the test that
 * makes them) and revoked tokens.
 */
export class IntrospectionRegistry {
  readonly opaque = new Map<string, Record<string, unknown>>();
  readonly revoked = new Set<string>();
}

function unauthorized(res: ServerResponse, description: string): void {
  sendJson(
    res,
    401,
    { error: "invalid_client", error_description: description },
    { ...NO_STORE, "www-authenticate": 'Basic realm="introspection"' },
  );
}

/** `Authorization: Basic` credentials (RFC 6749 §2.3.1: form-encoded id and secret). */
function basicCredentials(header: string | undefined): [string, string] | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? "");
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon === -1) return undefined;
  try {
    const dec = (v: string) => decodeURIComponent(v.replace(/\+/g, " "));
    return [dec(decoded.slice(0, colon)), dec(decoded.slice(colon + 1))];
  } catch {
    return undefined;
  }
}

/** The authenticated client of the request, or a description of why there is none. */
async function authenticate(
  req: IncomingMessage,
  params: URLSearchParams,
  context: IntrospectionContext,
): Promise<IntrospectionClient | string> {
  const basic = basicCredentials(req.headers.authorization);
  const find = (id: string | null | undefined) => context.clients.find((c) => c.clientId === id);
  if (basic) {
    const client = find(basic[0]);
    if (client?.clientSecret === undefined || client.clientSecret !== basic[1]) {
      return "client authentication failed (client_secret_basic)";
    }
    return client;
  }
  const assertion = params.get("client_assertion");
  if (assertion !== null) {
    if (params.get("client_assertion_type") !== ASSERTION_TYPE) {
      return "unsupported client_assertion_type";
    }
    const client = find(params.get("client_id"));
    if (!client?.publicKey) return "client authentication failed (private_key_jwt)";
    try {
      const key = await importJWK(client.publicKey, client.publicKey.alg);
      await jwtVerify(assertion, key, {
        issuer: client.clientId,
        subject: client.clientId,
        audience: [context.url, context.introspectionEndpoint],
        maxTokenAge: 300,
      });
    } catch {
      return "client authentication failed (private_key_jwt)";
    }
    return client;
  }
  const client = find(params.get("client_id"));
  const secret = params.get("client_secret");
  if (client?.clientSecret === undefined || secret === null || client.clientSecret !== secret) {
    return "client authentication failed (client_secret_post)";
  }
  return client;
}

/** The claims of an active token, or `null`: opaque ones from the registry, JWTs verified. */
async function lookup(
  token: string,
  context: IntrospectionContext,
): Promise<Record<string, unknown> | null> {
  if (context.revoked.has(token)) return null;
  const opaque = context.opaque.get(token);
  if (opaque) {
    const exp = opaque.exp;
    return typeof exp === "number" && exp <= nowSeconds() ? null : opaque;
  }
  if (!token.includes(".")) return null;
  try {
    const { payload } = await jwtVerify(token, createLocalJWKSet(context.jwks()), {
      issuer: context.url,
    });
    return payload as Record<string, unknown>;
  } catch {
    return null;
  }
}

/**
 * `POST /oauth/introspect` (RFC 7662): form body `token` (and an ignored `token_type_hint`),
 * client authentication by `client_secret_basic`, `client_secret_post` or `private_key_jwt`.
 * Answers `{ active: true, ...claims }` for an unrevoked, unexpired token this issuer made
 * (`opaqueToken()` or a JWT it signed), else `{ active: false }`.
 */
export async function handleIntrospection(
  req: IncomingMessage,
  res: ServerResponse,
  context: IntrospectionContext,
  overrides: Record<string, unknown> = {},
): Promise<void> {
  const text = await readBodyOrReply(req, res);
  if (text === undefined) return;
  const params = new URLSearchParams(text);
  const client = await authenticate(req, params, context);
  if (typeof client === "string") {
    unauthorized(res, client);
    return;
  }
  const token = params.get("token");
  if (!token) {
    sendJson(res, 400, { error: "invalid_request", error_description: "token is required" });
    return;
  }
  const claims = await lookup(token, context);
  const body = claims ? { ...claims, ...overrides, active: true } : { active: false };
  sendJson(res, 200, body, NO_STORE);
}
