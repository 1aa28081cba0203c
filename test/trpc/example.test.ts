import { createAuth } from "scopegate";
import { createTestIssuer, type TestIssuer } from "scopegate/testing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { mintExampleTokens, runTrpcClient } from "../../examples/trpc/client.js";
import { startTrpcExample, trpcCurlLines } from "../../examples/trpc/server.js";

let issuer: TestIssuer;
let example: Awaited<ReturnType<typeof startTrpcExample>>;

beforeAll(async () => {
  issuer = await createTestIssuer({ audience: "https://api.scopegate.example" });
  const auth = createAuth({ issuer: issuer.url, audience: issuer.audience });
  example = await startTrpcExample({ auth });
});
afterAll(async () => {
  await example?.close();
  await issuer?.close();
});

describe("examples/trpc", () => {
  it("serves on 127.0.0.1 at /trpc", () => {
    expect(example.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/trpc$/);
  });

  it("gives the documented outcome for every procedure through the example client", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      const mint = (claims?: Record<string, unknown>) => issuer.sign(claims);
      const lines = await runTrpcClient(example.url, await mintExampleTokens(mint));
      const outcomes = lines.map((l) => l.replace(/\s+/g, " "));
      expect(outcomes).toEqual([
        expect.stringMatching(/^public \[no token\] -> 200 "Hello/),
        expect.stringMatching(/^private \[no token\] -> 401 UNAUTHORIZED \(unauthorized:/),
        'private [reader] -> 200 "auth0|test-user"',
        expect.stringMatching(/^messages \[reader\] -> 200 \[\{"id":1/),
        "data [reader] -> 403 FORBIDDEN (insufficient_scope: missing required scopes: read:data write:data)",
        'data [writer] -> 200 {"owner":"auth0|test-user","rows":3}',
        "deleteUser [reader] -> 403 FORBIDDEN (insufficient_scope: missing required permissions: delete:users)",
        'deleteUser [admin] -> 200 "auth0|test-user deleted u1"',
        expect.stringMatching(/^clock \[no token\] -> 401 UNAUTHORIZED/),
        "clock [reader] -> 3 ticks over WebSocket",
      ]);
      expect(log).toHaveBeenCalledTimes(lines.length);
    } finally {
      log.mockRestore();
    }
  });

  it("answers the printed curl requests with 401, 200 and 403", async () => {
    const tokens = {
      withScope: await issuer.sign({ scope: "read:messages" }),
      withoutScope: await issuer.sign({ scope: "read:data" }),
    };
    const requests = trpcCurlLines(example.url, tokens).filter((l) => l.startsWith("curl"));
    const statuses: Array<[number, string | null]> = [];
    for (const line of requests) {
      const url = line.split(" ").at(-1) ?? "";
      const token = /Bearer ([^"]+)"/.exec(line)?.[1];
      const res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
      await res.body?.cancel();
      statuses.push([res.status, res.headers.get("www-authenticate")]);
    }
    expect(statuses.map(([status]) => status)).toEqual([401, 200, 403]);
    expect(statuses[0]?.[1]).toMatch(/^Bearer realm="api"/);
    expect(statuses[2]?.[1]).toMatch(/^Bearer realm="api", error="insufficient_scope"/);
  });
});
