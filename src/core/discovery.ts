import { type FetchJsonOptions, fetchJson, KeySourceError } from "./fetch.js";
import { isLoopbackHost } from "./url.js";

/** The OIDC discovery URL of an issuer (OpenID Connect Discovery 1.0 §4). */
export function openidConfigurationUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
}

/** The RFC 8414 §3.1 metadata URL: the well-known segment goes between host and path. */
export function oauthMetadataUrl(issuer: string): string {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/+$/, "");
  return `${url.origin}/.well-known/oauth-authorization-server${path}`;
}

/**
 * Fetches the issuer's metadata (OIDC discovery, RFC 8414 as fallback), checks that its
 * `issuer` equals the configured one exactly and returns its `jwks_uri`; internal.
 */
export async function discover(issuer: string, http: FetchJsonOptions): Promise<string> {
  const meta = await discoverMetadata(issuer, http);
  const jwksUri = meta.jwks_uri;
  if (typeof jwksUri !== "string" || !isAllowedKeyUrl(jwksUri, issuer)) {
    throw new KeySourceError("discovery document has no usable jwks_uri", issuer);
  }
  return jwksUri;
}

/**
 * The issuer's metadata document (OIDC discovery, RFC 8414 as fallback) after checking that
 * its `issuer` equals the configured one exactly; internal.
 */
export async function discoverMetadata(
  issuer: string,
  http: FetchJsonOptions,
): Promise<Record<string, unknown>> {
  let doc: unknown;
  try {
    doc = (await fetchJson(openidConfigurationUrl(issuer), http)).body;
  } catch (error) {
    if (!(error instanceof KeySourceError && error.status === 404)) throw error;
    doc = (await fetchJson(oauthMetadataUrl(issuer), http)).body;
  }
  const meta = (typeof doc === "object" && doc !== null ? doc : {}) as Record<string, unknown>;
  if (meta.issuer !== issuer) {
    throw new KeySourceError("discovery document names a different issuer", issuer);
  }
  return meta;
}

/**
 * The `jwks_uri` an issuer's metadata may name: https on any host (Google publishes its keys
 * on another host than its issuer); plain http only for a plain-http loopback issuer (a local
 * dev or test issuer), and then only on a loopback host. An https issuer can never send us to
 * plain http, loopback included (a request to an internal address on its say-so).
 */
export function isAllowedKeyUrl(value: string, issuer: string): boolean {
  try {
    const url = new URL(value);
    if (url.protocol === "https:") return true;
    return url.protocol === "http:" && issuer.startsWith("http:") && isLoopbackHost(url.hostname);
  } catch {
    return false;
  }
}
