import { z } from "zod";
import { clientCertificateThumbprint } from "./client-cert.js";
import { InvalidTokenError } from "./errors.js";
import { isPromiseLike, type MaybePromise } from "./maybe.js";
import type { RequestView } from "./request.js";
import type { AuthOptions } from "./types.js";
import type { Verified } from "./verify.js";

/**
 * RFC 8705 §3 certificate-bound access tokens: a token whose `cnf["x5t#S256"]` is set must
 * come over mutual TLS with that client certificate (its SHA-256 DER thumbprint, base64url).
 *
 * The certificate is the TLS socket's peer certificate (a Node `IncomingMessage`, tRPC's
 * `{ req }` on Node adapters: the server needs `requestCert: true`), or — behind a
 * TLS-terminating proxy — the `certificateHeader` the proxy sets, read only when `trustProxy`
 * trusts the hop. A Fetch `Request` (graphql-yoga's `{ request }`, tRPC's fetch adapter,
 * edge runtimes) has no socket: only the header path applies there.
 *
 * @example
 * ```ts
 * createAuth({ domain, audience, mtls: { mode: "required" } }); // node:https with requestCert
 * createAuth({ domain, audience, trustProxy: 1, mtls: { certificateHeader: "x-forwarded-client-cert" } });
 * ```
 */
export interface MtlsOptions {
  /**
   * `allowed`: a bound token must match the client certificate, an unbound token passes;
   * `required`: unbound tokens are refused too (401 `invalid_token`); `disabled`: `cnf` is
   * not looked at. @default "allowed"
   */
  mode?: "allowed" | "required" | "disabled" | undefined;
  /**
   * The header a TLS-terminating proxy puts the client certificate in, read only from a hop
   * `trustProxy` trusts: Envoy's `x-forwarded-client-cert` (`Cert="…"` or `Hash=…` of the
   * element the trusted hop added), nginx's `x-ssl-client-cert` / `x-client-cert`
   * (`$ssl_client_escaped_cert`: URL-encoded PEM) or RFC 9440 `client-cert` (`:base64-DER:`).
   * The format is recognised from the value. @default none (the TLS socket only)
   */
  certificateHeader?: string | undefined;
}

/** {@link MtlsOptions} after defaults; internal. */
export interface ResolvedMtls {
  mode: "allowed" | "required" | "disabled";
  certificateHeader: string | undefined;
}

/** The zod schema of the `mtls` option; internal. */
export const mtlsSchema = z.strictObject({
  mode: z.enum(["allowed", "required", "disabled"]).optional(),
  certificateHeader: z
    .string()
    .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, "an HTTP header name")
    .optional(),
});

/** Applies the defaults of `mtls`; internal. */
export function resolveMtls(m: z.output<typeof mtlsSchema> | undefined): ResolvedMtls {
  return { mode: m?.mode ?? "allowed", certificateHeader: m?.certificateHeader?.toLowerCase() };
}

interface MtlsSettings {
  mtls: ResolvedMtls;
  trustProxy: AuthOptions["trustProxy"];
}

const boundTo = (v: Verified): unknown =>
  (v.payload as { cnf?: Record<string, unknown> }).cnf?.["x5t#S256"];

/**
 * Whether a verification needs the certificate check (so the synchronous cache-hit path must
 * step aside); internal.
 */
export function needsCertificateCheck(v: Verified, o: MtlsSettings): boolean {
  return o.mtls.mode === "required" || (o.mtls.mode === "allowed" && boundTo(v) !== undefined);
}

/**
 * The RFC 8705 check after a successful verification: a bound token's thumbprint must equal
 * the client certificate's; `required` refuses unbound tokens. Synchronous (the same value)
 * when nothing is to check; internal.
 */
export function withCertificateBinding<T extends Verified>(
  checked: MaybePromise<T>,
  view: RequestView | undefined,
  o: MtlsSettings,
): MaybePromise<T> {
  if (o.mtls.mode === "disabled") return checked;
  if (isPromiseLike(checked)) return Promise.resolve(checked).then((c) => bind(c, view, o));
  return needsCertificateCheck(checked, o) ? bind(checked, view, o) : checked;
}

async function bind<T extends Verified>(
  c: T,
  view: RequestView | undefined,
  o: MtlsSettings,
): Promise<T> {
  const expected = boundTo(c);
  if (expected === undefined) {
    if (o.mtls.mode === "required") {
      throw new InvalidTokenError("access token is not bound to a client certificate", {
        reason: "mtls_binding_required",
      });
    }
    return c;
  }
  if (typeof expected !== "string" || expected === "") {
    throw new InvalidTokenError('invalid cnf["x5t#S256"] claim', { reason: "invalid_claims" });
  }
  const got = await clientCertificateThumbprint(view, {
    certificateHeader: o.mtls.certificateHeader,
    trustProxy: o.trustProxy,
  });
  if (got === undefined) {
    throw new InvalidTokenError(
      "certificate-bound access token sent without a client certificate",
      { reason: "mtls_certificate_missing" },
    );
  }
  if (got !== expected) {
    throw new InvalidTokenError("client certificate does not match the token binding", {
      reason: "mtls_certificate_mismatch",
    });
  }
  return c;
}
