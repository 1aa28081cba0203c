import { importJWK, type JWK, SignJWT } from "jose";
import { discoverMetadata, isAllowedKeyUrl } from "./discovery.js";
import { type FetchJsonOptions, fetchJson, KeySourceError, type PostForm } from "./fetch.js";
import type { IntrospectionAnswer } from "./introspection-cache.js";
import type { ResolvedIntrospection } from "./introspection-options.js";

const ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/** Lifetime of a `private_key_jwt` client assertion, in seconds. */
const ASSERTION_LIFETIME = 60;

/** RFC 6749 §2.3.1 / appendix B: client id and secret are form-encoded inside Basic. */
const formEncode = (v: string) => encodeURIComponent(v).replace(/%20/g, "+");

function toBase64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

/**
 * Sends RFC 7662 introspection requests: finds the endpoint (given, or discovery's
 * `introspection_endpoint`, refreshed every `discoveryMaxAge`), authenticates the client and
 * reads the answer with the fetch deadline and size cap of the key fetches; internal.
 * Every failure rejects with a {@link KeySourceError} (mapped to a 503 by the caller).
 */
export class IntrospectionClient {
  private discovered: { endpoint: string; until: number } | undefined;
  private discovering: Promise<string> | undefined;
  private signingKey: Promise<CryptoKey | Uint8Array> | undefined;

  constructor(
    private readonly i: ResolvedIntrospection,
    /** The single configured issuer (discovery, assertion `aud`), when there is one. */
    private readonly issuer: string | undefined,
    private readonly http: FetchJsonOptions,
    private readonly discoveryMaxAge: number,
  ) {}

  /** Introspects `token`: its claims when active, `null` when not. */
  async introspect(token: string, hint: "access_token"): Promise<IntrospectionAnswer> {
    const endpoint = await this.endpoint();
    const body = new URLSearchParams({ token, token_type_hint: hint });
    const post: PostForm = {
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body,
    };
    const { clientId, clientSecret } = this.i;
    switch (this.i.clientAuth) {
      case "client_secret_basic":
        post.headers.authorization = `Basic ${toBase64(`${formEncode(clientId)}:${formEncode(clientSecret ?? "")}`)}`;
        break;
      case "client_secret_post":
        body.set("client_id", clientId);
        body.set("client_secret", clientSecret ?? "");
        break;
      case "private_key_jwt":
        body.set("client_id", clientId);
        body.set("client_assertion_type", ASSERTION_TYPE);
        body.set("client_assertion", await this.assertion(endpoint));
        break;
    }
    const { body: answer } = await fetchJson(endpoint, this.http, post);
    return parseAnswer(answer, endpoint);
  }

  /** The endpoint URL: the option, or discovery's (single-flight, cached). */
  private endpoint(): string | Promise<string> {
    if (this.i.endpoint) return this.i.endpoint;
    const now = Date.now();
    if (this.discovered && now < this.discovered.until) return this.discovered.endpoint;
    this.discovering ??= this.discover().finally(() => {
      this.discovering = undefined;
    });
    return this.discovering;
  }

  private async discover(): Promise<string> {
    const issuer = this.issuer as string;
    const meta = await discoverMetadata(issuer, this.http);
    const endpoint = meta.introspection_endpoint;
    if (typeof endpoint !== "string" || !isAllowedKeyUrl(endpoint, issuer)) {
      throw new KeySourceError(
        "discovery document has no usable introspection_endpoint; set introspection.endpoint",
        issuer,
      );
    }
    this.discovered = { endpoint, until: Date.now() + this.discoveryMaxAge * 1000 };
    return endpoint;
  }

  /** A fresh RFC 7523 client assertion: iss = sub = client id, aud = the issuer (or endpoint). */
  private async assertion(endpoint: string): Promise<string> {
    const jwk = this.i.privateKey as JWK;
    const alg = jwk.alg as string;
    this.signingKey ??= importJWK(jwk, alg);
    let key: CryptoKey | Uint8Array;
    try {
      key = await this.signingKey;
    } catch (cause) {
      this.signingKey = undefined;
      throw new KeySourceError("introspection.privateKey cannot be imported", endpoint, { cause });
    }
    const header = { alg, typ: "JWT", ...(typeof jwk.kid === "string" ? { kid: jwk.kid } : {}) };
    return new SignJWT({})
      .setProtectedHeader(header)
      .setIssuer(this.i.clientId)
      .setSubject(this.i.clientId)
      .setAudience(this.issuer ?? endpoint)
      .setIssuedAt()
      .setExpirationTime(`${ASSERTION_LIFETIME}s`)
      .setJti(crypto.randomUUID())
      .sign(key);
  }
}

/** An RFC 7662 §2.2 answer: `active` must be a boolean; the rest are the token's claims. */
function parseAnswer(body: unknown, url: string): IntrospectionAnswer {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new KeySourceError("introspection answer is not a JSON object", url);
  }
  const { active, ...claims } = body as Record<string, unknown>;
  if (typeof active !== "boolean") {
    throw new KeySourceError("introspection answer has no boolean active member", url);
  }
  return active ? claims : null;
}
