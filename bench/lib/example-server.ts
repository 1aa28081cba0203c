/**
 * Child process of `bench/http.ts`: starts one example server (tRPC or GraphQL) on 127.0.0.1,
 * protected by a local test issuer, warms the keys, and prints one JSON line
 * `{ url, token }` on stdout. Each `cpu` line on stdin is answered with a line
 * `{ "cpu": µs }`: the CPU time (user + system) this process has used so far, so the parent
 * can compute the server's CPU cost per request. It exits when its stdin closes (the parent is
 * done or died).
 *
 *   node --import tsx bench/lib/example-server.ts trpc|graphql
 */
import { createInterface } from "node:readline";
import { createAuth } from "scopegate";
import { createTestIssuer } from "scopegate/testing";
import { startGraphqlExample } from "../../examples/graphql/server.js";
import { startTrpcExample } from "../../examples/trpc/server.js";

/** What the child prints once it listens. */
export interface ExampleServerInfo {
  url: string;
  token: string;
}

const which = process.argv[2];
if (which !== "trpc" && which !== "graphql") {
  throw new Error("usage: example-server.ts trpc|graphql");
}

const issuer = await createTestIssuer({ audience: "https://api.bench.example" });
const auth = createAuth({ issuer: issuer.url, audience: issuer.audience });
await auth.warmup();
const token = await issuer.sign({
  scope: "read:messages write:messages read:reports read:drafts",
  permissions: ["read:users"],
});
const server =
  which === "trpc" ? await startTrpcExample({ auth }) : await startGraphqlExample({ auth });

const info: ExampleServerInfo = { url: server.url, token };
process.stdout.write(`${JSON.stringify(info)}\n`);

const stop = async () => {
  await server.close();
  await issuer.close();
  process.exit(0);
};
const commands = createInterface({ input: process.stdin });
commands.on("line", (line) => {
  if (line.trim() !== "cpu") return;
  const { user, system } = process.cpuUsage();
  process.stdout.write(`${JSON.stringify({ cpu: user + system })}\n`);
});
commands.on("close", stop);
process.once("SIGTERM", stop);
