import { AuthError, ConfigurationError, createAuth } from "scopegate";
import { describeConfig, type InspectConfig, resolveConfig } from "./config.js";
import { type Decoded, decodeToken, type Json } from "./decode.js";
import { diagnose } from "./diagnose.js";
import type { Finding } from "./findings.js";
import { block, isoDate, relative } from "./format.js";
import { type CliIo, EXIT, parseCommand, println, type TextSink, UsageError } from "./io.js";

/** `scopegate inspect --help`. */
export const INSPECT_HELP = `Usage: scopegate inspect <token | -> [--issuer URL | --domain HOST] [--audience AUD] [--verify]

Decodes an access token WITHOUT trusting it (the signature is never printed) and explains
what an API configured with this issuer and audience would say about it, and why:
expired, not yet valid, wrong audience, wrong issuer, opaque token, encrypted token (JWE),
ID token, DPoP proof, DPoP-bound token, symmetric or "none" algorithm, …

Arguments:
  <token>            the access token; "-" reads it from standard input
                     (a "Bearer " or "DPoP " prefix is ignored)

Options:
  --issuer URL       the issuer the API expects (exactly as in iss)
  --domain HOST      an Auth0 domain (issuer https://HOST/)
  --audience AUD     the audience the API expects
  --verify           also run the real check (createAuth(...).verify): fetches the
                     issuer's discovery and keys, and nothing else
  -h, --help         this help

Without flags the configuration comes from AUTH0_DOMAIN / AUTH0_AUDIENCE, else from
SCOPEGATE_ISSUER / SCOPEGATE_AUDIENCE (what \`scopegate dev\` prints).

Exit code: 0 nothing wrong, 1 the token would be refused, 2 usage error.
`;

const MARK = { problem: "✗", note: "ℹ" } as const;

async function readStdin(io: CliIo): Promise<string> {
  if (!io.stdin) throw new UsageError("no standard input to read the token from");
  let text = "";
  for await (const chunk of io.stdin) {
    text += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    if (text.length > 1024 * 1024) throw new UsageError("standard input is larger than 1 MiB");
  }
  return text;
}

function printTimes(out: TextSink, payload: Json, now: number): void {
  const rows: string[] = [];
  const row = (name: string, value: unknown, words: (t: number) => string) => {
    const iso = isoDate(value);
    if (iso !== undefined) rows.push(`  ${name.padEnd(9)} ${iso}  (${words(value as number)})`);
  };
  row("iat", payload.iat, (t) => `issued ${relative(t, now)}`);
  row("auth_time", payload.auth_time, (t) => `logged in ${relative(t, now)}`);
  row("nbf", payload.nbf, (t) => `${t > now ? "valid" : "valid since"} ${relative(t, now)}`);
  row("exp", payload.exp, (t) => `${t > now ? "expires" : "expired"} ${relative(t, now)}`);
  if (rows.length > 0) println(out, "Times", ...rows);
}

function printDecoded(out: TextSink, decoded: Decoded, now: number): void {
  switch (decoded.kind) {
    case "opaque":
      println(out, `Opaque token (${decoded.length} characters, no structure to decode)`);
      return;
    case "malformed":
      println(out, "Not a decodable JWT");
      return;
    case "jwe":
      println(out, "Header (JWE: the rest is encrypted)", block(decoded.header ?? {}));
      return;
    case "jws":
      println(out, "Header", block(decoded.header), "Payload", block(decoded.payload));
      printTimes(out, decoded.payload, now);
      println(
        out,
        `Signature: ${decoded.signed ? "present (not shown; checked only with --verify)" : "empty"}`,
      );
  }
}

function printFindings(out: TextSink, findings: Finding[], config: InspectConfig): void {
  println(out, "", `Configuration: ${describeConfig(config)}`, "");
  for (const finding of findings) {
    println(out, `${MARK[finding.level]} ${finding.title}`, `    ${finding.detail}`);
  }
  const first = findings.find((f) => f.level === "problem");
  const complete = config.issuer !== undefined && config.audience !== undefined;
  if (first) {
    const who = complete ? "an API with this configuration" : "scopegate";
    println(out, "", `Result: ${who} answers 401 invalid_token (reason ${first.reason})`);
  } else if (complete) {
    println(out, "", "Result: no problem found (the signature is checked by --verify)");
  } else {
    println(out, "", "Result: no problem found in the token itself (no full configuration)");
  }
}

/** Runs the real check; returns whether the token is valid. */
async function verify(out: TextSink, token: string, config: InspectConfig, decoded: Decoded) {
  const bound = decoded.kind === "jws" && (decoded.payload.cnf as Json | undefined)?.jkt;
  let auth: ReturnType<typeof createAuth>;
  try {
    auth = createAuth({
      ...(config.domain !== undefined ? { domain: config.domain } : { issuer: config.issuer }),
      audience: config.audience,
      // No proof here: check a bound token as such, without its binding.
      ...(bound ? { dpop: { mode: "disabled" as const } } : {}),
    });
  } catch (error) {
    if (error instanceof ConfigurationError) throw new UsageError(error.message);
    throw error;
  }
  try {
    await auth.verify(token);
    const skipped = bound ? "; the DPoP binding needs a proof and was not checked" : "";
    println(out, `Verify: valid (signature, issuer, audience and times${skipped})`);
    return true;
  } catch (error) {
    if (!(error instanceof AuthError)) throw error;
    println(
      out,
      `Verify: ${error.status} ${error.code} (reason ${error.reason}): ${error.description}`,
    );
    return false;
  }
}

/** `scopegate inspect`: decode, explain, optionally verify. Returns the exit code. */
export async function inspectCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(
    args,
    {
      issuer: { type: "string" },
      domain: { type: "string" },
      audience: { type: "string" },
      verify: { type: "boolean" },
    },
    true,
  );
  if (values.help) {
    io.stdout.write(INSPECT_HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 1) {
    throw new UsageError(positionals.length === 0 ? "missing <token>" : "give one token only");
  }
  const input = positionals[0] === "-" ? await readStdin(io) : (positionals[0] ?? "");
  const token = input.trim().replace(/^(?:Bearer|DPoP)\s+/i, "");
  if (token === "") throw new UsageError("the token is empty");
  const config = resolveConfig(values, io.env);
  if (values.verify && (config.issuer === undefined || config.audience === undefined)) {
    throw new UsageError("--verify needs an issuer (--issuer or --domain) and --audience");
  }

  const now = Date.now() / 1000;
  const decoded = decodeToken(token);
  const findings = diagnose(token, decoded, config, now);
  printDecoded(io.stdout, decoded, now);
  printFindings(io.stdout, findings, config);
  const valid = values.verify ? await verify(io.stdout, token, config, decoded) : true;
  return valid && !findings.some((f) => f.level === "problem") ? EXIT.ok : EXIT.failed;
}
