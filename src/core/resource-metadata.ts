import { ConfigurationError } from "./errors.js";
import { checkHttpUrl } from "./issuer-url.js";

/** Options of RFC 9728 OAuth 2.0 Protected Resource Metadata (`createAuth({ resourceMetadata })`). */
export interface ResourceMetadataOptions {
  /** The resource identifier (an https URL). @default the first `audience` */
  resource?: string | undefined;
  /** Where the metadata is served. @default RFC 9728 §3.1: `{origin}/.well-known/oauth-protected-resource{path}` */
  url?: string | undefined;
  /** `scopes_supported`: the scopes this API understands. */
  scopesSupported?: readonly string[] | undefined;
  /** `resource_name`: a human-readable name. */
  resourceName?: string | undefined;
  /** `resource_documentation`: a URL of developer documentation. */
  resourceDocumentation?: string | undefined;
}

/** The RFC 9728 §2 metadata document. */
export interface ProtectedResourceMetadata {
  resource: string;
  authorization_servers?: string[];
  scopes_supported?: string[];
  bearer_methods_supported: string[];
  dpop_signing_alg_values_supported?: string[];
  dpop_bound_access_tokens_required?: boolean;
  /** RFC 9728 §2 / RFC 8705: certificate-bound access tokens are supported. */
  tls_client_certificate_bound_access_tokens?: boolean;
  resource_name?: string;
  resource_documentation?: string;
}

/**
 * RFC 9728 metadata of this API: what MCP clients and other RFC 9728 clients read to learn
 * which authorization server to get a token from. Serve `response()` at `path`.
 *
 * @example
 * ```ts
 * const auth = createAuth({ domain, audience: "https://api.example.com", resourceMetadata: { scopesSupported: ["read:messages"] } });
 * // node:http
 * if (req.url === auth.resourceMetadata?.path) return res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(auth.resourceMetadata.document));
 * ```
 */
export interface ResourceMetadata {
  /** The absolute URL clients are told about in `resource_metadata="…"`. */
  readonly url: string;
  /** The path part of `url`, to mount the handler at. */
  readonly path: string;
  /** The metadata document. */
  readonly document: ProtectedResourceMetadata;
  /** A Fetch `Response` with the document (JSON, CORS-open, cacheable for an hour). */
  response(): Response;
}

/** Builds the metadata; internal (called by `createAuth`). */
export function buildResourceMetadata(
  o: ResourceMetadataOptions,
  ctx: {
    audience: readonly string[];
    issuers: readonly string[] | null;
    dpopAlgorithms: readonly string[] | null;
    dpopRequired: boolean;
    /** RFC 8705 certificate-bound tokens are checked (mtls not disabled). */
    certificateBound?: boolean;
  },
): ResourceMetadata {
  const resource = o.resource ?? ctx.audience[0] ?? "";
  try {
    checkHttpUrl(resource, "resourceMetadata.resource");
  } catch {
    throw new ConfigurationError(
      "resourceMetadata.resource",
      "RFC 9728 needs an https URL as resource identifier; set resourceMetadata.resource (or use a URL audience)",
    );
  }
  const r = new URL(resource);
  if (r.hash) throw new ConfigurationError("resourceMetadata.resource", "must not have a fragment");
  const url =
    o.url ?? `${r.origin}/.well-known/oauth-protected-resource${r.pathname.replace(/\/+$/, "")}`;
  checkHttpUrl(url, "resourceMetadata.url");
  const document: ProtectedResourceMetadata = {
    resource,
    ...(ctx.issuers ? { authorization_servers: [...ctx.issuers] } : {}),
    ...(o.scopesSupported ? { scopes_supported: [...o.scopesSupported] } : {}),
    bearer_methods_supported: ["header"],
    ...(ctx.dpopAlgorithms
      ? {
          dpop_signing_alg_values_supported: [...ctx.dpopAlgorithms],
          dpop_bound_access_tokens_required: ctx.dpopRequired,
        }
      : {}),
    ...(ctx.certificateBound ? { tls_client_certificate_bound_access_tokens: true } : {}),
    ...(o.resourceName ? { resource_name: o.resourceName } : {}),
    ...(o.resourceDocumentation ? { resource_documentation: o.resourceDocumentation } : {}),
  };
  const body = JSON.stringify(document);
  return {
    url,
    path: new URL(url).pathname,
    document,
    response: () =>
      new Response(body, {
        status: 200,
        headers: {
          "content-type": "application/json",
          "cache-control": "public, max-age=3600",
          "access-control-allow-origin": "*",
        },
      }),
  };
}
