import { ConfigurationError } from "./errors.js";
import { isLoopbackHost } from "./url.js";

const HOST =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/**
 * The issuer of an Auth0 domain, as `createAuth({ domain })` derives it:
 * `tenant.us.auth0.com` → `https://tenant.us.auth0.com/`. Throws a {@link ConfigurationError}
 * naming `option` on anything but a bare host.
 *
 * @example
 * ```ts
 * domainToIssuer("Tenant.us.auth0.com"); // "https://tenant.us.auth0.com/"
 * ```
 */
export function domainToIssuer(value: string, option = "domain"): string {
  const v = value.trim().toLowerCase();
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//.exec(v);
  if (scheme) {
    throw new ConfigurationError(
      option,
      `must be a bare host, not ${scheme[1]}://…; use "${v.slice(scheme[0].length).split("/")[0]}"`,
    );
  }
  if (v.includes("@"))
    throw new ConfigurationError(option, "must be a bare host, without user info (@)");
  if (/[/?#]/.test(v)) {
    throw new ConfigurationError(
      option,
      `must be a bare host without a path; use "${v.split(/[/?#]/)[0]}"`,
    );
  }
  const m = /^([^:]+)(?::(\d{1,5}))?$/.exec(v);
  const port = m?.[2] === undefined ? undefined : Number(m[2]);
  if (!m || !HOST.test(m[1] ?? "") || (port !== undefined && (port < 1 || port > 65535))) {
    throw new ConfigurationError(
      option,
      `"${v}" is not a valid host name (e.g. "tenant.us.auth0.com")`,
    );
  }
  return `https://${v}/`;
}

/**
 * Checks an issuer URL as `createAuth({ issuer })` does (https, or http on loopback; no user
 * info, query or fragment) and returns it unchanged, since `iss` is compared exactly. Throws
 * a {@link ConfigurationError} naming `option`.
 *
 * @example
 * ```ts
 * checkIssuerUrl("https://idp.example.com/"); // "https://idp.example.com/"
 * ```
 */
export function checkIssuerUrl(value: string, option = "issuer"): string {
  checkHttpUrl(value, option);
  const url = new URL(value);
  if (url.search || url.hash) {
    throw new ConfigurationError(option, "an issuer URL has no query or fragment");
  }
  return value;
}

/** Checks an absolute URL: https, or http for loopback hosts only; no user info. */
export function checkHttpUrl(value: string, option: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigurationError(option, `"${value}" is not an absolute URL`);
  }
  if (url.username || url.password) {
    throw new ConfigurationError(option, "must not contain user info");
  }
  if (url.protocol === "https:") return;
  if (url.protocol === "http:" && isLoopbackHost(url.hostname)) return;
  throw new ConfigurationError(
    option,
    url.protocol === "http:"
      ? "must use https: (http: is accepted only for loopback hosts such as 127.0.0.1)"
      : "must be an https: URL",
  );
}
