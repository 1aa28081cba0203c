import { createHash, randomUUID } from "node:crypto";
import { createServer } from "node:net";
import { calculateJwkThumbprint, decodeJwt, importJWK, type JWK, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuth } from "../../src/index.js";
import { createTestIssuer } from "../../src/testing/index.js";
import { type DevRun, run, startDev } from "./helpers.js";

const AUDIENCE = "https://api.cli.test";
let dev: DevRun;
let env: Record<string, string>;

beforeAll(async () => {
  dev = await startDev(["--audience", AUDIENCE]);
  env = { SCOPEGATE_ISSUER: dev.issuer, SCOPEGATE_AUDIENCE: dev.audience };
});
afterAll(() => dev?.stop());

const authFor = () => createAuth({ issuer: dev.issuer, audience: AUDIENCE });

/** A free port on 127.0.0.1 that nothing listens on (closed again at once). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === "object" && address ? address.port : 0;
}

describe("scopegate dev", () => {
  it("prints the .env lines, four sample tokens and token commands", async () => {
    expect(dev.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(dev.audience).toBe(AUDIENCE);
    const out = dev.output();
    const tokens = [...out.matchAll(/^[A-Z_]+_TOKEN=(eyJ\S+)$/gm)].map((match) => match[1] ?? "");
    expect(tokens).toHaveLength(4);
    const auth = authFor();
    const claims = await Promise.all(tokens.map((t) => auth.verify(t)));
    expect(claims.map((c) => c.scope)).toEqual([
      undefined,
      "read:messages",
      "read:data write:data",
      undefined,
    ]);
    expect(claims[3]?.permissions).toEqual(["delete:users"]);
    expect(out).toContain(`TOKEN=$(scopegate token --scope read:messages --issuer ${dev.issuer})`);
    expect(out).toContain(`--issuer ${dev.issuer} --audience ${AUDIENCE} --verify`);
  });

  it("stops cleanly when its signal aborts, and reports a port in use", async () => {
    const other = await startDev();
    const busyPort = new URL(other.issuer).port;
    const busy = await run(["dev", "--port", busyPort, "--no-persist"]);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toContain(`port ${busyPort} on 127.0.0.1 is in use`);
    expect(await other.stop()).toBe(0);
    expect(other.output()).toContain("scopegate dev: stopped");
    await expect(fetch(`${other.issuer}.well-known/jwks.json`)).rejects.toThrow();
  });
});

describe("scopegate token", () => {
  it("prints a bare token with the requested claims", async () => {
    const { code, stdout } = await run(
      ["token", "--scope", "read:data  write:data", "--sub", "auth0|alice"].concat([
        "--permissions",
        "delete:users,read:users",
        "--expires-in",
        "15m",
      ]),
      env,
    );
    expect(code).toBe(0);
    expect(stdout).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const claims = await authFor().verify(stdout.trim());
    expect(claims).toMatchObject({
      sub: "auth0|alice",
      scope: "read:data write:data",
      permissions: ["delete:users", "read:users"],
    });
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(900);
  });

  it("mints the step-up and organization claims: --acr, --amr, --auth-time, --org, --org-name", async () => {
    const mfa = "http://schemas.openid.net/pape/policies/2007/06/multi-factor";
    const { code, stdout } = await run(
      ["token", "--acr", mfa, "--amr", "pwd mfa", "--auth-time", "1700000000"].concat([
        "--org",
        "org_acme",
        "--org-name",
        "acme",
      ]),
      env,
    );
    expect(code).toBe(0);
    const claims = await authFor().verify(stdout.trim());
    expect(claims).toMatchObject({
      acr: mfa,
      amr: ["pwd", "mfa"],
      auth_time: 1700000000,
      org_id: "org_acme",
      org_name: "acme",
    });
    const before = Math.floor(Date.now() / 1000);
    const ago = await run(["token", "--auth-time", "15m"], env);
    const agoClaims = await authFor().verify(ago.stdout.trim());
    expect(agoClaims.auth_time).toBeGreaterThanOrEqual(before - 900);
    expect(agoClaims.auth_time).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) - 900);
    const bad = await run(["token", "--auth-time", "yesterday"], env);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("--auth-time");
  });

  it("--json prints the token response", async () => {
    const { code, stdout } = await run(["token", "--json", "--issuer", dev.issuer]);
    expect(code).toBe(0);
    const body = JSON.parse(stdout) as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: "Bearer", expires_in: 3600 });
    expect(decodeJwt(String(body.access_token)).aud).toBe(AUDIENCE);
  });

  it("--dpop binds the token to a new key whose private JWK can sign proofs", async () => {
    const { code, stdout } = await run(["token", "--dpop", "--scope", "read:messages"], env);
    expect(code).toBe(0);
    const vars = Object.fromEntries(
      stdout
        .trim()
        .split("\n")
        .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
    );
    expect(Object.keys(vars)).toEqual(["TOKEN", "DPOP_JKT", "DPOP_JWK"]);
    const token = String(vars.TOKEN);
    const jwk = JSON.parse(String(vars.DPOP_JWK).replace(/^'|'$/g, "")) as JWK;
    expect(jwk).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256" });
    expect(jwk.d).toBeTypeOf("string");
    expect(await calculateJwkThumbprint(jwk)).toBe(vars.DPOP_JKT);
    expect(decodeJwt(token).cnf).toEqual({ jkt: vars.DPOP_JKT });

    const url = "http://127.0.0.1:3000/trpc/messages.list";
    const { d: _d, ...publicJwk } = jwk;
    const proof = await new SignJWT({
      htm: "GET",
      htu: url,
      jti: randomUUID(),
      ath: createHash("sha256").update(token).digest("base64url"),
    })
      .setProtectedHeader({ typ: "dpop+jwt", alg: "ES256", jwk: publicJwk })
      .setIssuedAt()
      .sign(await importJWK(jwk, "ES256"));
    const claims = await authFor().verify(token, { dpop: proof, method: "GET", url });
    expect(claims.scope).toBe("read:messages");

    const inspected = await run(["inspect", token, "--verify"], env);
    expect(inspected.code).toBe(0);
    expect(inspected.stdout).toContain("DPoP-bound token");
    expect(inspected.stdout).toContain("Verify: valid");
    expect(inspected.stdout).toContain("the DPoP binding needs a proof and was not checked");
  });

  it("--dpop --json includes the key", async () => {
    const { stdout } = await run(["token", "--dpop", "--json"], env);
    const body = JSON.parse(stdout) as {
      token_type: string;
      dpop: { jkt: string; private_jwk: JWK };
    };
    expect(body.token_type).toBe("DPoP");
    expect(body.dpop.private_jwk.d).toBeTypeOf("string");
    expect(decodeJwt(JSON.parse(stdout).access_token).cnf).toEqual({ jkt: body.dpop.jkt });
  });

  it("a minted token passes `inspect --verify`; an expired one does not", async () => {
    const minted = await run(["token", "--scope", "read:messages"], env);
    const ok = await run(["inspect", minted.stdout.trim(), "--verify"], env);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("Verify: valid");
    const expired = await run(["token", "--expires-in=-1h"], env);
    const bad = await run(["inspect", expired.stdout.trim(), "--verify"], env);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain("expired 1 h ago");
    expect(bad.stdout).toContain("Verify: 401 invalid_token (reason token_expired)");
  });

  it("explains an issuer that is down or is not a dev issuer", async () => {
    const down = await run(["token"], {
      SCOPEGATE_ISSUER: `http://127.0.0.1:${await closedPort()}/`,
    });
    expect(down.code).toBe(1);
    expect(down.stderr).toContain("is `scopegate dev` running?");
    const plain = await createTestIssuer();
    try {
      const notDev = await run(["token", "--issuer", plain.url]);
      expect(notDev.code).toBe(1);
      expect(notDev.stderr).toContain("has no POST /dev/token");
    } finally {
      await plain.close();
    }
  });

  it("answers usage errors with exit code 2", async () => {
    const remote = await run(["token", "--issuer", "https://tenant.us.auth0.com/"]);
    expect(remote.code).toBe(2);
    expect(remote.stderr).toContain("local dev issuer only");
    expect((await run(["token", "--expires-in", "soon"], env)).code).toBe(2);
    expect((await run(["token", "--bogus"], env)).code).toBe(2);
  });
});
