/**
 * Shared set-up of the examples: protect with a real Auth0 tenant when AUTH0_DOMAIN and
 * AUTH0_AUDIENCE are set (in the environment or a `.env` file); with a running
 * `scopegate dev` issuer when SCOPEGATE_ISSUER is set; otherwise start the embedded
 * `scopegate/testing` issuer so everything runs on a machine with no tenant.
 */
import { existsSync } from "node:fs";
import { type AccessTokenClaims, type Auth, createAuth } from "scopegate";
import { createTestIssuer, type TestIssuer } from "scopegate/testing";

/** What an example server needs: the verifier, and a token minter when running locally. */
export interface ExampleAuth {
  auth: Auth<AccessTokenClaims>;
  /** The embedded issuer, when no Auth0 tenant is configured. */
  issuer: TestIssuer | undefined;
  /** Mints a token with these claims (local issuer only); `undefined` with a real tenant. */
  mint: ((claims?: Record<string, unknown>) => Promise<string>) | undefined;
  close(): Promise<void>;
}

/** Reads `.env` (Node's own loader; no dotenv dependency) and builds the auth for the examples. */
export async function setupExampleAuth(): Promise<ExampleAuth> {
  if (existsSync(".env")) process.loadEnvFile(".env");
  // Empty variables count as unset (a `.env` copied from a template often has `AUTH0_DOMAIN=`).
  const env = (name: string) => process.env[name] || undefined;
  const domain = env("AUTH0_DOMAIN");
  const audience = env("AUTH0_AUDIENCE");
  if (domain && audience) {
    return {
      auth: createAuth({ domain, audience }),
      issuer: undefined,
      mint: undefined,
      close: async () => {},
    };
  }
  // A running `scopegate dev` issuer (tokens come from `scopegate token`).
  const local = env("SCOPEGATE_ISSUER");
  if (local) {
    const aud = env("SCOPEGATE_AUDIENCE") ?? audience ?? "https://api.scopegate.example";
    return {
      auth: createAuth({ issuer: local, audience: aud }),
      issuer: undefined,
      mint: undefined,
      close: async () => {},
    };
  }
  const issuer = await createTestIssuer({ audience: audience ?? "https://api.scopegate.example" });
  const auth = createAuth({ issuer: issuer.url, audience: issuer.audience });
  return {
    auth,
    issuer,
    mint: (claims) => issuer.sign(claims),
    close: () => issuer.close(),
  };
}

/**
 * The one line to print when an example cannot listen because its port is taken, or
 * `undefined` for any other error (which should surface as it is). `fix` is the command that
 * picks another port, e.g. `TRPC_PORT=3101 npm run demo`.
 */
export function portInUseMessage(
  error: unknown,
  port: number,
  what: string,
  fix: string,
): string | undefined {
  const code =
    typeof error === "object" && error !== null && "code" in error ? error.code : undefined;
  if (code !== "EADDRINUSE") return undefined;
  return `port ${port} on 127.0.0.1 is in use (${what}): stop what is using it, or pick another port: ${fix}`;
}

/** A port setting that is not a port number: printed as its message alone. */
export class PortError extends Error {
  override readonly name = "PortError";
}

/**
 * Reads a port from the environment variable `name` (unset or empty: `fallback`); throws a
 * {@link PortError} for anything but a whole number from 0 to 65535.
 */
export function portFromEnv(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === "") return fallback;
  const port = /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isInteger(port) || port > 65_535) {
    throw new PortError(`${name} must be a port number from 0 to 65535, not "${value}"`);
  }
  return port;
}
