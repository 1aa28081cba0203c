import { chmod, mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { exportJWK, generateKeyPair, type JWK } from "jose";

/** The file name of the dev issuer's keys inside its directory. */
const FILE_NAME = "dev-keys.json";

/** What the key file says about itself, for someone who opens it. */
const NOTE =
  "Signing keys of `scopegate dev` (development only: every token they sign is trusted by an API configured with this dev issuer). Delete this file, or run `scopegate dev --new-keys`, for new keys.";

/**
 * Where `scopegate dev` keeps its signing keys when no `--keys FILE` is given:
 * `$XDG_CACHE_HOME/scopegate/dev-keys.json`, else `~/.cache/scopegate/dev-keys.json`
 * (`%LOCALAPPDATA%\scopegate\dev-keys.json` on Windows). A per-user cache, not the project:
 * the dev issuer is one per machine (port 4400), and private keys stay out of repositories.
 * `undefined` when `env` names no home at all.
 */
export function defaultKeyFile(
  env: Readonly<Record<string, string | undefined>>,
  platform: NodeJS.Platform = process.platform,
): string | undefined {
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, "scopegate", FILE_NAME);
  if (platform === "win32" && env.LOCALAPPDATA) {
    return join(env.LOCALAPPDATA, "scopegate", FILE_NAME);
  }
  const home = env.HOME || (platform === "win32" ? env.USERPROFILE : undefined);
  return home ? join(home, ".cache", "scopegate", FILE_NAME) : undefined;
}

/** A key file that exists but cannot be used; `message` says what to do. */
export class KeyFileError extends Error {
  override readonly name = "KeyFileError";
}

function codeOf(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "code" in error
    ? String(error.code)
    : undefined;
}

const why = (error: unknown) =>
  codeOf(error) ?? (error instanceof Error ? error.message : String(error));

/** The fix printed with every unusable key file. */
export function replaceHint(file: string): string {
  return `delete it or start with --new-keys to replace it (tokens signed with the old keys stop verifying), pass another --keys FILE, or --no-persist for throwaway keys; file: ${file}`;
}

/**
 * Reads the private JWKs of a key file. `undefined` when the file does not exist; a
 * {@link KeyFileError} when it cannot be read or is not a key file (never regenerated here:
 * replacing keys is the user's call, `--new-keys`).
 */
export async function readKeyFile(file: string): Promise<JWK[] | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if (codeOf(error) === "ENOENT") return undefined;
    throw new KeyFileError(`cannot read the dev key file (${why(error)}): ${replaceHint(file)}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new KeyFileError(`the dev key file is not JSON: ${replaceHint(file)}`);
  }
  const keys =
    typeof parsed === "object" && parsed !== null && "keys" in parsed ? parsed.keys : undefined;
  if (
    !Array.isArray(keys) ||
    keys.length === 0 ||
    !keys.every((key) => typeof key === "object" && key !== null && !Array.isArray(key))
  ) {
    throw new KeyFileError(`the dev key file has no "keys" list of JWKs: ${replaceHint(file)}`);
  }
  return keys as JWK[];
}

/** The group/other permission bits of `file` when any is set (a key file should be 0600). */
export async function looseMode(file: string): Promise<string | undefined> {
  if (process.platform === "win32") return undefined;
  try {
    const { mode } = await stat(file);
    return (mode & 0o077) === 0 ? undefined : (mode & 0o777).toString(8);
  } catch {
    return undefined;
  }
}

/**
 * Writes `keys` to `file` with mode 0600 (its directory 0700 when created), through a
 * temporary file and a rename, so a crash never leaves half a key file.
 */
export async function writeKeyFile(file: string, keys: JWK[]): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  const body = `${JSON.stringify({ note: NOTE, keys }, null, 2)}\n`;
  await writeFile(temporary, body, { mode: 0o600, flag: "w" });
  await chmod(temporary, 0o600);
  await rename(temporary, file);
}

/** A new RS256 signing key (the dev issuer's default alg) as a private JWK with a kid. */
export async function newSigningJwk(): Promise<JWK> {
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const jwk = await exportJWK(privateKey);
  // The kid says when the key was made, which helps when comparing with an API's cached JWKS.
  const kid = `dev-${new Date().toISOString().slice(0, 10)}-${crypto.randomUUID().slice(0, 8)}`;
  return { ...jwk, alg: "RS256", use: "sig", kid };
}
