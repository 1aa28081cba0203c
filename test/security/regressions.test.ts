/**
 * Regression tests for bugs found while hardening, each named after its bug. Type-level ones
 * fail under `tsc --noEmit` (the run-time part only proves the file was executed).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import type { AnyTRPCRouter } from "@trpc/server";
import type { FetchCreateContextFn } from "@trpc/server/adapters/fetch";
import type { NodeHTTPCreateContextFn } from "@trpc/server/adapters/node-http";
import { createAuth } from "scopegate";
import { createTestIssuer } from "scopegate/testing";
import { describe, expect, it } from "vitest";

describe("regressions", () => {
  it("regression: createContext: auth.createAuthContext does not typecheck with tRPC adapters (ConnectionInfoLike index signature vs TRPCRequestInfo)", () => {
    const auth = createAuth({ issuer: "http://127.0.0.1:1/", audience: "urn:api" });
    // Was (src/core/request.ts, ConnectionInfoLike): a `[key: string]: unknown` index signature
    // made tRPC's `TRPCRequestInfo` (an interface, so no implicit index signature)
    // unassignable to `info`, so DESIGN.md's one-liner failed `tsc` on every adapter.
    const standalone: NodeHTTPCreateContextFn<AnyTRPCRouter, IncomingMessage, ServerResponse> =
      auth.createAuthContext;
    const fetchAdapter: FetchCreateContextFn<AnyTRPCRouter> = auth.createAuthContext;
    expect(typeof standalone).toBe("function");
    expect(typeof fetchAdapter).toBe("function");
  });

  // Found by the long fuzz profile (a 503 for a random kid, cause ECONNRESET). Node's fetch
  // reuses an idle keep-alive socket; when the server closes it as the next request goes out
  // (the keep-alive race — the fuzz hit it because its loop kept the event loop busy past the
  // issuer's 5 s keep-alive timeout), the request fails before any response. fetchJson
  // (src/core/fetch.ts) does not retry such a GET, so one reset becomes a 503 and, through
  // KeySource.failedAt, blocks refetches for retryAfter: a key published meanwhile gets 503s,
  // and with nothing cached every request does. Modelled here deterministically: the JWKS
  // server resets (RST) any connection on which a second request arrives; a fresh connection
  // is always answered. (Undici itself retries after a clean FIN, but not after an RST.)
  it("regression: a connection reset on a reused keep-alive socket to the JWKS is retried once (no 503 for one transient ECONNRESET)", async () => {
    const issuer = await createTestIssuer();
    const served = new WeakMap<object, number>();
    const server = createServer((req, res) => {
      const n = (served.get(req.socket) ?? 0) + 1;
      served.set(req.socket, n);
      if (n > 1) {
        req.socket.resetAndDestroy(); // a TCP RST, as when closed with the request unread
        return;
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(issuer.jwks()));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const { port } = server.address() as AddressInfo;
    try {
      const auth = createAuth({
        issuer: issuer.url,
        audience: issuer.audience,
        jwksUri: `http://127.0.0.1:${port}/jwks.json`,
        cache: { cooldown: 0 },
      });
      await auth.warmup();
      await sleep(50); // the warm-up's socket is back in the keep-alive pool
      const token = await issuer.sign({}, { kid: "absent" });
      // The key server answers every fresh connection: the answer must be the 401 of an
      // absent key after one retry, not a 503.
      await expect(auth.verify(token)).rejects.toMatchObject({
        status: 401,
        reason: "no_matching_key",
      });
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await issuer.close();
    }
  });
});
