import { readFile } from "node:fs/promises";
import { decodeJwt, type JWK } from "jose";
import { type DpopKeyPair, dpopProof, importDpopKey } from "scopegate/testing";
import { type CliIo, EXIT, parseCommand, println, shellQuote, UsageError } from "./io.js";

/** `scopegate proof --help`. */
export const PROOF_HELP = `Usage: scopegate proof --url URL [--method GET] [--token TOKEN] [--key JWK|FILE]
                       [--nonce NONCE] [--curl]

Signs a DPoP proof (RFC 9449) for one request and prints it as a ready header line,
DPoP: eyJ…, so that curl -H "$(scopegate proof --url URL)" sends it. Each run makes a
new proof: an API refuses a proof used twice (400 invalid_dpop_proof).

With a token and key from scopegate token --dpop (against npm run demo's tRPC API):
  eval "$(scopegate token --scope read:messages --dpop)"      # TOKEN, DPOP_JKT, DPOP_JWK
  curl -i -H "Authorization: DPoP $TOKEN" \\
    -H "$(scopegate proof --url http://127.0.0.1:3001/trpc/messages --token "$TOKEN" --key "$DPOP_JWK")" \\
    http://127.0.0.1:3001/trpc/messages

Options:
  --url URL          the request URL (htu; its query and fragment are left out)
  --method M         the request method (htm), default GET
  --token TOKEN      the DPoP-bound access token: adds ath (its hash) and is checked to be
                     bound to the key (default: the key file's access_token, else an
                     exported $TOKEN)
  --key JWK|FILE     the private key: a JWK as JSON, or a file holding one, or the output
                     of scopegate token --dpop --json (default: an exported $DPOP_JWK)
  --nonce NONCE      the server's DPoP-Nonce, for APIs that ask for one
  --curl             print a whole curl command (token, proof and URL) instead; add -d
                     for a body
  -h, --help         this help

It only signs: the key stays on this machine, and nothing is sent anywhere.
`;

/** A JSON object, or `undefined`. */
function jsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The private JWK (and a token, when the source holds one) from `--key` or `$DPOP_JWK`:
 * a JWK, `{ private_jwk }`, or `scopegate token --dpop --json`'s `{ access_token, dpop }`.
 */
async function keySource(
  value: string | undefined,
  env: CliIo["env"],
): Promise<{ jwk: JWK; token: string | undefined; from: string }> {
  let text: string;
  let from: string;
  if (value === undefined) {
    if (!env.DPOP_JWK) {
      throw new UsageError(
        'no DPoP key: pass --key FILE (or a JWK as JSON), or run eval "$(scopegate token --dpop)" first (it sets DPOP_JWK and TOKEN)',
      );
    }
    text = env.DPOP_JWK;
    from = "$DPOP_JWK";
  } else if (value.trimStart().startsWith("{")) {
    text = value;
    from = "--key";
  } else {
    from = value;
    try {
      text = await readFile(value, "utf8");
    } catch (error) {
      const code = isObject(error) && typeof error.code === "string" ? error.code : String(error);
      throw new UsageError(`--key ${value}: cannot read the file (${code})`);
    }
  }
  const parsed = jsonObject(text);
  const dpop = isObject(parsed?.dpop) ? parsed.dpop : undefined;
  const jwk = [parsed, parsed?.private_jwk, dpop?.private_jwk].find(
    (candidate): candidate is Record<string, unknown> => isObject(candidate) && "d" in candidate,
  );
  if (!jwk) {
    throw new UsageError(
      `${from} holds no private JWK (expected a JWK with "d", or the output of scopegate token --dpop --json)`,
    );
  }
  const token = typeof parsed?.access_token === "string" ? parsed.access_token : undefined;
  return { jwk: jwk as JWK, token, from };
}

function requestUrl(value: string | undefined): URL {
  if (value === undefined) throw new UsageError("--url is required (the URL of the request)");
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--url "${value}" is not an absolute URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`--url ${value}: only http and https URLs take DPoP proofs`);
  }
  return url;
}

/** The `cnf.jkt` of a JWT, without verifying it; `null` when it has none, `undefined` if opaque. */
function boundThumbprint(token: string): string | null | undefined {
  try {
    const cnf = decodeJwt(token).cnf;
    return isObject(cnf) && typeof cnf.jkt === "string" ? cnf.jkt : null;
  } catch {
    return undefined;
  }
}

/** `scopegate proof`: prints a DPoP proof for one request. Returns the exit code. */
export async function proofCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommand(args, {
    url: { type: "string" },
    method: { type: "string" },
    token: { type: "string" },
    key: { type: "string" },
    nonce: { type: "string" },
    curl: { type: "boolean" },
  });
  if (values.help) {
    io.stdout.write(PROOF_HELP);
    return EXIT.ok;
  }
  const url = requestUrl(values.url);
  const method = (values.method ?? "GET").toUpperCase();
  if (!/^[A-Z]+$/.test(method)) throw new UsageError(`--method "${values.method}" is not a method`);
  const source = await keySource(values.key, io.env);
  const token = values.token ?? source.token ?? (io.env.TOKEN || undefined);
  if (values.curl && token === undefined) {
    throw new UsageError("--curl needs the token: pass --token, or set TOKEN");
  }

  let key: DpopKeyPair;
  try {
    key = await importDpopKey(source.jwk);
  } catch (error) {
    const why = error instanceof Error ? error.message.replace(/^scopegate\/testing: /, "") : "";
    println(io.stderr, `scopegate proof: ${source.from} is not a usable DPoP key (${why})`);
    return EXIT.failed;
  }
  if (token !== undefined) {
    const jkt = boundThumbprint(token);
    if (jkt !== undefined && jkt !== null && jkt !== key.thumbprint) {
      println(
        io.stderr,
        `scopegate proof: the token is bound to another key (its cnf.jkt is ${jkt}, this key's thumbprint is ${key.thumbprint}): use the key that came with the token`,
      );
      return EXIT.failed;
    }
    if (jkt === null) {
      println(
        io.stderr,
        "scopegate proof: warning: the token is not DPoP-bound (no cnf.jkt): an API refuses it with this proof; mint a bound one with scopegate token --dpop",
      );
    }
  }

  const proof = await dpopProof({
    key,
    method,
    url: url.href,
    accessToken: token,
    nonce: values.nonce,
  });
  if (values.curl && token !== undefined) {
    const parts = ["curl", "-i"];
    if (method !== "GET") parts.push("-X", method);
    parts.push("-H", shellQuote(`Authorization: DPoP ${token}`));
    parts.push("-H", shellQuote(`DPoP: ${proof}`), shellQuote(url.href));
    println(io.stdout, parts.join(" "));
  } else {
    println(io.stdout, `DPoP: ${proof}`);
  }
  return EXIT.ok;
}
