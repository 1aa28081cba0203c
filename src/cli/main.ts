import { DEV_HELP, devCommand } from "./dev.js";
import { INSPECT_HELP, inspectCommand } from "./inspect.js";
import { type CliIo, EXIT, println, UsageError } from "./io.js";
import { PROOF_HELP, proofCommand } from "./proof.js";
import { TOKEN_HELP, tokenCommand } from "./token.js";

export type { CliIo, TextSink } from "./io.js";

/** `scopegate --help`. */
export const HELP = `Usage: scopegate <command> [options]

Commands:
  dev        start the local issuer on 127.0.0.1, print .env lines and sample tokens
  token      mint a token from the running dev issuer (not from a real Auth0 tenant)
  proof      sign a DPoP proof for one request (prints a DPoP: header line)
  inspect    decode a token without trusting it and explain what an API would say
  help [command]

Run \`scopegate <command> --help\` for the options of a command.
Exit codes: 0 success, 1 failed check (e.g. inspect of a token that would be refused),
2 usage error.
`;

type Command = (args: string[], io: CliIo) => Promise<number>;

const COMMANDS: Record<string, { run: Command; help: string }> = {
  dev: { run: devCommand, help: DEV_HELP },
  token: { run: tokenCommand, help: TOKEN_HELP },
  proof: { run: proofCommand, help: PROOF_HELP },
  inspect: { run: inspectCommand, help: INSPECT_HELP },
};

/**
 * Runs the `scopegate` CLI with `argv` (without the node and script paths) and returns the
 * exit code: 0 success, 1 a failed check, 2 a usage error. Nothing is read from or written to
 * the process directly, so tests call it in-process; `dev` runs until `io.signal` aborts.
 *
 * @example
 * ```ts
 * const code = await main(["inspect", token, "--audience", "https://api.example.com"], {
 *   stdout: process.stdout,
 *   stderr: process.stderr,
 *   env: process.env,
 * });
 * process.exitCode = code;
 * ```
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === "-h" || name === "--help" || name === "help") {
    const topic = name === "help" && args[0] !== undefined ? COMMANDS[args[0]] : undefined;
    if (name === "help" && args[0] !== undefined && !topic) {
      println(io.stderr, `scopegate: unknown command "${args[0]}"`, "", HELP);
      return EXIT.usage;
    }
    (name === undefined ? io.stderr : io.stdout).write(topic?.help ?? HELP);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    println(io.stderr, `scopegate: unknown command "${name}"`, "", HELP);
    return EXIT.usage;
  }
  try {
    return await command.run(args, io);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    println(io.stderr, `scopegate ${name}: ${error.message}`, `Run \`scopegate ${name} --help\`.`);
    return EXIT.usage;
  }
}
