import { createTestIssuer } from "../testing/issuer.js";
import type { TestIssuer } from "../testing/test-issuer.js";
import { type CliIo, EXIT, parseCommand, parseInteger, println } from "./io.js";
import { DEFAULT_ISSUER } from "./token.js";

/** Default port of `scopegate dev`. */
export const DEFAULT_PORT = 4400;

/** Default audience of `scopegate dev`. */
export const DEFAULT_AUDIENCE = "https://api.scopegate.example";

/** `scopegate dev --help`. */
export const DEV_HELP = `Usage: scopegate dev [--port ${DEFAULT_PORT}] [--audience ${DEFAULT_AUDIENCE}]

Starts a local OAuth 2.0 / OpenID Connect issuer on 127.0.0.1 (discovery, JWKS, a
client-credentials token endpoint and POST /dev/token for \`scopegate token\`), prints the
.env lines for your API and the examples, sample tokens and ready-to-paste commands, and
runs until Ctrl+C (SIGINT) or SIGTERM. For development only: it mints any token it is asked.

Options:
  --port N           port on 127.0.0.1 (default ${DEFAULT_PORT}; 0 picks a free one)
  --audience AUD     the aud of minted tokens (default ${DEFAULT_AUDIENCE})
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

/** Quotes a value for a POSIX shell when it needs it. */
function sh(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

async function printWelcome(io: CliIo, issuer: TestIssuer): Promise<void> {
  const [none, read, readWrite, admin] = await Promise.all([
    issuer.sign(),
    issuer.sign({ scope: "read:messages" }),
    issuer.sign({ scope: "read:data write:data" }),
    issuer.sign({ sub: "auth0|admin", permissions: ["delete:users"] }),
  ]);
  const at = issuer.url === DEFAULT_ISSUER ? "" : ` --issuer ${sh(issuer.url)}`;
  const check = `--issuer ${sh(issuer.url)} --audience ${sh(issuer.audience)}`;
  println(
    io.stdout,
    `scopegate dev: local issuer ${issuer.url} (listening on 127.0.0.1 only)`,
    `  discovery  ${issuer.origin}/.well-known/openid-configuration`,
    `  jwks       ${issuer.jwksUri}`,
    "",
    "# .env (read by the examples; for your API: createAuth({ issuer, audience }))",
    `SCOPEGATE_ISSUER=${issuer.url}`,
    `SCOPEGATE_AUDIENCE=${issuer.audience}`,
    "",
    "# Sample Bearer tokens, valid 1 h",
    "# no scope",
    none,
    '# scope "read:messages"',
    read,
    '# scope "read:data write:data"',
    readWrite,
    '# admin: permissions ["delete:users"]',
    admin,
    "",
    "# More tokens, from another shell:",
    `TOKEN=$(scopegate token --scope read:messages${at})`,
    `scopegate token --scope "read:data write:data" --sub "auth0|alice"${at}`,
    `scopegate token --sub "auth0|admin" --permissions delete:users --expires-in 15m${at}`,
    `eval "$(scopegate token --scope read:messages --dpop${at})"   # sets TOKEN, DPOP_JKT, DPOP_JWK`,
    `scopegate inspect "$TOKEN" ${check} --verify`,
    "",
    "Press Ctrl+C to stop.",
  );
}

/** `scopegate dev`: runs the local issuer until `io.signal` aborts. Returns the exit code. */
export async function devCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommand(args, {
    port: { type: "string" },
    audience: { type: "string" },
  });
  if (values.help) {
    io.stdout.write(DEV_HELP);
    return EXIT.ok;
  }
  const port =
    values.port === undefined ? DEFAULT_PORT : parseInteger(values.port, "--port", 0, 65_535);
  const audience = values.audience ?? DEFAULT_AUDIENCE;
  let issuer: TestIssuer;
  try {
    issuer = await createTestIssuer({ port, audience, devEndpoints: true });
  } catch (error) {
    const why =
      errorCode(error) === "EADDRINUSE"
        ? `port ${port} is in use (another \`scopegate dev\`?); pick one with --port`
        : `could not start: ${error instanceof Error ? error.message : String(error)}`;
    println(io.stderr, `scopegate dev: ${why}`);
    return EXIT.failed;
  }
  try {
    await printWelcome(io, issuer);
    await aborted(io.signal);
  } finally {
    await issuer.close();
  }
  println(io.stdout, "scopegate dev: stopped");
  return EXIT.ok;
}
