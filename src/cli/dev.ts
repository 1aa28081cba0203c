import type { JWK } from "jose";
import { createTestIssuer, type TestIssuer } from "scopegate/testing";
import {
  defaultKeyFile,
  KeyFileError,
  looseMode,
  newSigningJwk,
  readKeyFile,
  replaceHint,
  writeKeyFile,
} from "./dev-keys.js";
import {
  type CliIo,
  EXIT,
  parseCommand,
  parseInteger,
  println,
  shellQuote as sh,
  UsageError,
} from "./io.js";
import { DEFAULT_ISSUER } from "./token.js";

/** Default port of `scopegate dev`. */
export const DEFAULT_PORT = 4400;

/** Default audience of `scopegate dev`. */
export const DEFAULT_AUDIENCE = "https://api.scopegate.example";

/** The demo's tRPC endpoint that the printed DPoP example calls (`npm run demo`). */
const DEMO_MESSAGES_URL = "http://127.0.0.1:3001/trpc/messages";

/** `scopegate dev --help`. */
export const DEV_HELP = `Usage: scopegate dev [--port ${DEFAULT_PORT}] [--audience ${DEFAULT_AUDIENCE}]
                     [--keys FILE | --no-persist] [--new-keys]

Starts a local OAuth 2.0 / OpenID Connect issuer on 127.0.0.1 (discovery, JWKS, a
client-credentials token endpoint and POST /dev/token for \`scopegate token\`), prints the
.env lines for your API and the examples, sample tokens and ready-to-paste commands (every
line of it is a shell comment or command), and runs until Ctrl+C (SIGINT) or SIGTERM.
For development only: it mints any token it is asked.

Its signing keys are kept in a file (mode 0600), so a restart keeps the same kids and keys:
a running API keeps accepting tokens, those minted before the restart included. Default
file: $XDG_CACHE_HOME/scopegate/dev-keys.json, else ~/.cache/scopegate/dev-keys.json
(%LOCALAPPDATA%\\scopegate\\dev-keys.json on Windows). A file that cannot be read is never
replaced on its own: delete it or pass --new-keys.

Options:
  --port N           port on 127.0.0.1 (default ${DEFAULT_PORT}; 0 picks a free one)
  --audience AUD     the aud of minted tokens (default ${DEFAULT_AUDIENCE})
  --keys FILE        keep the signing keys in FILE instead (created when missing)
  --no-persist       throwaway keys in memory: a restart makes new ones
  --new-keys         replace the keys in the file with new ones (tokens signed with the old
                     keys stop verifying once an API refetches the JWKS)
  -h, --help         this help
`;

/** Resolves when `signal` is aborted (never, without a signal). */
function aborted(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) resolve();
    signal?.addEventListener("abort", () => resolve(), { once: true });
  });
}

function errorCode(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "code" in error
    ? String(error.code)
    : undefined;
}

/** Where the keys live, as printed in the welcome. */
type KeyPlace = { file: string; created: boolean } | { file: undefined; why: string };

async function printWelcome(io: CliIo, issuer: TestIssuer, keys: KeyPlace): Promise<void> {
  const [none, read, readWrite, admin] = await Promise.all([
    issuer.sign(),
    issuer.sign({ scope: "read:messages" }),
    issuer.sign({ scope: "read:data write:data" }),
    issuer.sign({ sub: "auth0|admin", permissions: ["delete:users"] }),
  ]);
  const at = issuer.url === DEFAULT_ISSUER ? "" : ` --issuer ${sh(issuer.url)}`;
  const check = `--issuer ${sh(issuer.url)} --audience ${sh(issuer.audience)}`;
  const api = DEMO_MESSAGES_URL;
  // Paste-safe: every line is a shell comment, an assignment or a command.
  println(
    io.stdout,
    `# scopegate dev: local issuer ${issuer.url} (listening on 127.0.0.1 only)`,
    `#   discovery  ${issuer.origin}/.well-known/openid-configuration`,
    `#   jwks       ${issuer.jwksUri}`,
    keys.file === undefined
      ? `#   keys       in memory only (${keys.why}): a restart makes new ones`
      : `#   keys       ${keys.file} (${keys.created ? "new; " : ""}kept across restarts)`,
    "",
    "# .env (read by the examples; for your API: createAuth({ issuer, audience }))",
    `SCOPEGATE_ISSUER=${issuer.url}`,
    `SCOPEGATE_AUDIENCE=${issuer.audience}`,
    "",
    "# Sample Bearer tokens, valid 1 h",
    "# no scope",
    `NO_SCOPE_TOKEN=${none}`,
    '# scope "read:messages"',
    `READ_TOKEN=${read}`,
    '# scope "read:data write:data"',
    `READ_WRITE_TOKEN=${readWrite}`,
    '# admin: permissions ["delete:users"]',
    `ADMIN_TOKEN=${admin}`,
    "",
    "# More tokens, from another shell (from this dev issuer only: for a real Auth0 tenant,",
    "# get tokens with its client-credentials grant; see scopegate token --help)",
    `TOKEN=$(scopegate token --scope read:messages${at})`,
    `scopegate inspect "$TOKEN" ${check} --verify`,
    `scopegate token --scope "read:data write:data" --sub "auth0|alice"${at}`,
    `scopegate token --sub "auth0|admin" --permissions delete:users --expires-in 15m${at}`,
    "",
    "# DPoP: a token bound to a new key (sets TOKEN, DPOP_JKT, DPOP_JWK), then a call with a",
    "# fresh proof for each request (here the tRPC API of npm run demo)",
    `eval "$(scopegate token --scope read:messages --dpop${at})"`,
    `curl -i -H "Authorization: DPoP $TOKEN" -H "$(scopegate proof --url ${api} --token "$TOKEN" --key "$DPOP_JWK")" ${api}`,
    "",
    "# Press Ctrl+C to stop.",
  );
}

/** The signing keys of this run: read from the key file, or new (and then saved). */
async function loadKeys(
  values: { keys?: string; "no-persist"?: boolean; "new-keys"?: boolean },
  io: CliIo,
): Promise<{ jwks: JWK[] | undefined; place: KeyPlace }> {
  if (values["no-persist"]) {
    if (values.keys !== undefined)
      throw new UsageError("--keys and --no-persist exclude each other");
    if (values["new-keys"]) throw new UsageError("--new-keys needs a key file, not --no-persist");
    return { jwks: undefined, place: { file: undefined, why: "--no-persist" } };
  }
  const file = values.keys ?? defaultKeyFile(io.env);
  if (file === undefined) {
    const why = "no HOME or XDG_CACHE_HOME to keep them in; pass --keys FILE";
    return { jwks: undefined, place: { file: undefined, why } };
  }
  const saved = values["new-keys"] ? undefined : await readKeyFile(file);
  if (saved) {
    const mode = await looseMode(file);
    if (mode) {
      println(
        io.stderr,
        `scopegate dev: warning: ${file} is readable by other users (mode ${mode}); run: chmod 600 ${sh(file)}`,
      );
    }
    return { jwks: saved, place: { file, created: false } };
  }
  return { jwks: [await newSigningJwk()], place: { file, created: true } };
}

/** `scopegate dev`: runs the local issuer until `io.signal` aborts. Returns the exit code. */
export async function devCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommand(args, {
    port: { type: "string" },
    audience: { type: "string" },
    keys: { type: "string" },
    "no-persist": { type: "boolean" },
    "new-keys": { type: "boolean" },
  });
  if (values.help) {
    io.stdout.write(DEV_HELP);
    return EXIT.ok;
  }
  const port =
    values.port === undefined ? DEFAULT_PORT : parseInteger(values.port, "--port", 0, 65_535);
  const audience = values.audience ?? DEFAULT_AUDIENCE;
  const fail = (why: string) => {
    println(io.stderr, `scopegate dev: ${why}`);
    return EXIT.failed;
  };
  let keys: Awaited<ReturnType<typeof loadKeys>>;
  try {
    keys = await loadKeys(values, io);
  } catch (error) {
    if (error instanceof KeyFileError) return fail(error.message);
    throw error;
  }
  let issuer: TestIssuer;
  try {
    issuer = await createTestIssuer({ port, audience, devEndpoints: true, keys: keys.jwks });
  } catch (error) {
    if (errorCode(error) === "EADDRINUSE") {
      return fail(
        `port ${port} on 127.0.0.1 is in use (another \`scopegate dev\`?): stop it, or pick another port with --port, e.g. scopegate dev --port ${port === DEFAULT_PORT ? DEFAULT_PORT + 1 : DEFAULT_PORT}`,
      );
    }
    const message = error instanceof Error ? error.message : String(error);
    if (keys.place.file !== undefined && /^scopegate\/testing: keys\[/.test(message)) {
      const detail = message.replace(/^scopegate\/testing: /, "");
      return fail(
        `the dev key file holds an unusable key (${detail}): ${replaceHint(keys.place.file)}`,
      );
    }
    return fail(`could not start: ${message}`);
  }
  try {
    if (keys.place.file !== undefined && keys.place.created && keys.jwks) {
      try {
        await writeKeyFile(keys.place.file, keys.jwks);
      } catch (error) {
        return fail(
          `cannot save the dev keys to ${keys.place.file} (${errorCode(error) ?? String(error)}): pass another --keys FILE, or --no-persist for throwaway keys`,
        );
      }
    }
    await printWelcome(io, issuer, keys.place);
    await aborted(io.signal);
  } finally {
    await issuer.close();
  }
  println(io.stdout, "# scopegate dev: stopped");
  return EXIT.ok;
}
