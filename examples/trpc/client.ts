/**
 * The tRPC example client: calls every procedure of the example router with `@trpc/client`
 * and prints one line per call with its outcome.
 *
 *   npx tsx examples/trpc/client.ts   # starts the example server in-process and calls it
 */
import { pathToFileURL } from "node:url";
import {
  createTRPCClient,
  createWSClient,
  httpLink,
  splitLink,
  TRPCClientError,
  wsLink,
} from "@trpc/client";
import { WebSocket } from "ws";
import { setupExampleAuth } from "../setup.js";
import type { AppRouter } from "./router.js";
import { startTrpcExample } from "./server.js";

/** The tokens the client calls with (undefined: that case is skipped). */
export interface ExampleTokens {
  /** Scope `read:messages`. */
  reader: string;
  /** Scopes `read:data write:data`. */
  writer?: string;
  /** Auth0 RBAC permission `delete:users`. */
  admin?: string;
}

/** Mints the {@link ExampleTokens} with the embedded issuer's `mint` from `setupExampleAuth()`. */
export async function mintExampleTokens(
  mint: (claims?: Record<string, unknown>) => Promise<string>,
): Promise<ExampleTokens> {
  return {
    reader: await mint({ scope: "read:messages" }),
    writer: await mint({ scope: "read:data write:data" }),
    admin: await mint({ permissions: ["delete:users"] }),
  };
}

function clientFor(url: string, token: string | undefined) {
  const ws = createWSClient({
    url: url.replace(/^http/, "ws"),
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    connectionParams: () => (token ? { authorization: `Bearer ${token}` } : {}),
    lazy: { enabled: true, closeMs: 0 },
  });
  const trpc = createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === "subscription",
        true: wsLink({ client: ws }),
        false: httpLink({
          url,
          headers: () => (token ? { authorization: `Bearer ${token}` } : {}),
        }),
      }),
    ],
  });
  return { trpc, close: () => ws.close() };
}

/** `<status> <CODE> (<error>: <description>)`, from the error's `data` and `data.auth`. */
function describe(error: unknown): string {
  if (!(error instanceof TRPCClientError)) throw error;
  const e = error as TRPCClientError<AppRouter>;
  const auth = e.data?.auth;
  const detail = auth ? `${auth.error}: ${auth.error_description}` : e.message;
  return `${e.data?.httpStatus ?? "?"} ${e.data?.code ?? "ERROR"} (${detail})`;
}

/** `200 <data>`, or the error. */
async function outcome(call: () => Promise<unknown>): Promise<string> {
  try {
    return `200 ${JSON.stringify(await call())}`;
  } catch (error) {
    return describe(error);
  }
}

/** Takes `count` ticks of the `clock` subscription over WebSocket, or reports its error. */
function ticks(trpc: ReturnType<typeof clientFor>["trpc"], count: number): Promise<string> {
  return new Promise((resolve) => {
    const seen: string[] = [];
    const sub = trpc.clock.subscribe(
      { intervalMs: 50 },
      {
        onData(tick) {
          seen.push(tick);
          if (seen.length === count) {
            sub.unsubscribe();
            resolve(`${count} ticks over WebSocket`);
          }
        },
        onError: (error) => resolve(describe(error)),
      },
    );
  });
}

/**
 * Calls the example router at `url` (the tRPC endpoint of `startTrpcExample`) with and
 * without the tokens, prints one line per call, and returns the lines.
 */
export async function runTrpcClient(url: string, tokens: ExampleTokens): Promise<string[]> {
  const as: Record<string, string | undefined> = {
    "no token": undefined,
    reader: tokens.reader,
    writer: tokens.writer,
    admin: tokens.admin,
  };
  const plan: Array<
    [string, keyof typeof as, (c: ReturnType<typeof clientFor>["trpc"]) => Promise<string>]
  > = [
    ["public", "no token", (c) => outcome(() => c.public.query())],
    ["private", "no token", (c) => outcome(() => c.private.query())],
    ["private", "reader", (c) => outcome(() => c.private.query())],
    ["messages", "reader", (c) => outcome(() => c.messages.query())],
    ["data", "reader", (c) => outcome(() => c.data.query())],
    ["data", "writer", (c) => outcome(() => c.data.query())],
    ["deleteUser", "reader", (c) => outcome(() => c.deleteUser.mutate({ id: "u1" }))],
    ["deleteUser", "admin", (c) => outcome(() => c.deleteUser.mutate({ id: "u1" }))],
    ["clock", "no token", (c) => ticks(c, 3)],
    ["clock", "reader", (c) => ticks(c, 3)],
  ];
  const lines: string[] = [];
  for (const [procedure, who, run] of plan) {
    if (who !== "no token" && !as[who]) continue;
    const client = clientFor(url, as[who]);
    try {
      const label = `${procedure.padEnd(10)} [${who}]`.padEnd(24);
      const line = `${label} -> ${await run(client.trpc)}`;
      console.log(line);
      lines.push(line);
    } finally {
      client.close();
    }
  }
  return lines;
}

async function main(): Promise<void> {
  const example = await setupExampleAuth();
  if (!example.mint) {
    console.error("With a real tenant, call runTrpcClient(url, tokens) with tokens from it.");
    process.exit(1);
  }
  const server = await startTrpcExample({ auth: example.auth });
  try {
    await runTrpcClient(server.url, await mintExampleTokens(example.mint));
  } finally {
    await server.close();
    await example.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
