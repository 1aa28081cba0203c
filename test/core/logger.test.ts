import { generateKeyPairSync } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createAuth, type Logger } from "../../src/index.js";
import { issuersClosedAfterEach } from "../support/issuers.js";

const start = issuersClosedAfterEach();

function recorder(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, warn: (m: string) => lines.push(m), debug: () => {} };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("logger: operator diagnostics", () => {
  it("an issuer whose keys fail is reported once with its cause, and again when it recovers; never a token", async () => {
    const issuer = await start();
    const logger = recorder();
    const auth = createAuth({
      issuer: issuer.url,
      audience: issuer.audience,
      logger,
      cache: { retryAfter: 0.05 },
    });
    issuer.fail("down");
    const token = await issuer.sign();
    for (let i = 0; i < 5; i++) {
      await expect(auth.verify(token)).rejects.toMatchObject({ status: 503 });
      await new Promise((r) => setTimeout(r, 60));
    }
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]).toContain(JSON.stringify(issuer.url));
    expect(logger.lines[0]).toMatch(/could not be fetched \(.+\)/);
    expect(logger.lines[0]).not.toContain(token.slice(0, 40));
    issuer.fail(null);
    await new Promise((r) => setTimeout(r, 60));
    await expect(auth.verify(token)).resolves.toBeTruthy();
    expect(logger.lines[1]).toContain("available again");
  });

  it("keys dropped from a JWKS are named once per distinct set", async () => {
    const logger = recorder();
    const { publicKey } = generateKeyPairSync("rsa", { modulusLength: 1024 });
    const small = { ...(publicKey.export({ format: "jwk" }) as object), kid: "too-small" };
    const good = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({
      format: "jwk",
    });
    const auth = createAuth({
      issuer: "https://idp.example.test/",
      audience: "api",
      jwks: { keys: [small as never, { ...(good as object), kid: "ok" } as never] },
      logger,
    });
    expect(logger.lines).toHaveLength(0); // no work at creation
    const token = `${Buffer.from('{"alg":"ES256","kid":"ok"}').toString("base64url")}.${Buffer.from('{"iss":"https://idp.example.test/"}').toString("base64url")}.AAAA`;
    for (let i = 0; i < 3; i++) await auth.verify(token).catch(() => {});
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]).toContain('1 of 2 JWKS keys are ignored ("too-small")');
  });

  it("failed first fetches of resolver-admitted issuers are summarised, not logged one by one", async () => {
    const issuer = await start();
    const logger = recorder();
    const auth = createAuth({
      issuers: () => true,
      audience: issuer.audience,
      logger,
      cache: { issuers: { newPerSecond: 1000 } },
    });
    for (let i = 0; i < 20; i++) {
      const forged = await issuer.sign({ iss: `http://127.0.0.1:1/t${i}/` });
      await auth.verify(forged).catch(() => {});
    }
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]).toMatch(/issuer\(s\) admitted by the resolver had no fetchable keys/);
  });

  it("defaults to console.warn; logger: false is silent", async () => {
    const issuer = await start();
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    issuer.fail("down");
    const token = await issuer.sign();
    await createAuth({ issuer: issuer.url, audience: issuer.audience })
      .verify(token)
      .catch(() => {});
    expect(warn).toHaveBeenCalledTimes(1);
    await createAuth({ issuer: issuer.url, audience: issuer.audience, logger: false })
      .verify(token)
      .catch(() => {});
    expect(warn).toHaveBeenCalledTimes(1);
  });
});
