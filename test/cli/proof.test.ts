/**
 * `scopegate proof` (issue 14): a DPoP proof for one request, from the key that
 * `scopegate token --dpop` printed, accepted by a real createAuth-protected server (200) and
 * refused when used twice (400). And `scopegate dev`'s printed block is paste-safe: run as it
 * is by `sh`, its DPoP curl gets a 200 from such a server.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuth } from "../../src/index.js";
import {
  type DevRun,
  notPasteSafe,
  onPath,
  run,
  scopegateOnPath,
  sh,
  startApi,
  startDev,
} from "./helpers.js";

/** The curl cases run the printed lines for real; without curl only their shape is checked. */
const hasCurl = await onPath("curl");
let dev: DevRun;
let api: Awaited<ReturnType<typeof startApi>>;
let env: Record<string, string>;

beforeAll(async () => {
  dev = await startDev();
  env = { SCOPEGATE_ISSUER: dev.issuer };
  api = await startApi(createAuth({ issuer: dev.issuer, audience: dev.audience }));
});
const temporary: string[] = [];
const tempDir = async (prefix: string) => {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  temporary.push(dir);
  return dir;
};
afterAll(async () => {
  await api?.close();
  await dev?.stop();
  await Promise.all(temporary.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** `scopegate token --dpop --json`, saved where `scopegate proof --key FILE` reads it. */
async function boundToken(scope = "read:messages") {
  const minted = await run(["token", "--dpop", "--json", "--scope", scope], env);
  expect(minted.code).toBe(0);
  const file = join(await tempDir("scopegate-proof-"), "dpop.json");
  await writeFile(file, minted.stdout, { mode: 0o600 });
  const body = JSON.parse(minted.stdout) as {
    access_token: string;
    dpop: { jkt: string; private_jwk: Record<string, unknown> };
  };
  return { file, token: body.access_token, jwk: JSON.stringify(body.dpop.private_jwk) };
}

const header = (stdout: string) => {
  expect(stdout).toMatch(/^DPoP: eyJ[\w-]+\.[\w-]+\.[\w-]+\n$/);
  return stdout.slice("DPoP: ".length).trim();
};

describe("scopegate proof", () => {
  it("prints a DPoP header a real server accepts once (200) and refuses replayed (400)", async () => {
    const { file, token } = await boundToken();
    const url = `${api.origin}/trpc/messages`;
    const printed = await run([
      "proof",
      "--method",
      "GET",
      "--url",
      `${url}?input=1`,
      "--key",
      file,
    ]);
    expect(printed.stderr).toBe("");
    expect(printed.code).toBe(0);
    const proof = header(printed.stdout);
    expect(decodeProtectedHeader(proof)).toMatchObject({ typ: "dpop+jwt", alg: "ES256" });
    expect(decodeJwt(proof)).toMatchObject({ htm: "GET", htu: url });
    expect(decodeJwt(proof).ath).toBeTypeOf("string");

    const call = () => fetch(url, { headers: { authorization: `DPoP ${token}`, dpop: proof } });
    const first = await call();
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ scope: "read:messages" });
    const replay = await call();
    expect(replay.status).toBe(400);
    expect(replay.headers.get("www-authenticate")).toContain('error="invalid_dpop_proof"');
  });

  it("reads the key and token from --key JSON / --token, or an exported DPOP_JWK / TOKEN", async () => {
    const { token, jwk } = await boundToken();
    const url = `${api.origin}/private`;
    const flags = await run([
      "proof",
      "--url",
      url,
      "--method",
      "post",
      "--token",
      token,
      "--key",
      jwk,
    ]);
    expect(flags.code).toBe(0);
    const posted = header(flags.stdout);
    expect(decodeJwt(posted).htm).toBe("POST");
    const res = await fetch(url, {
      method: "POST",
      headers: { authorization: `DPoP ${token}`, dpop: posted },
    });
    expect(res.status).toBe(200);

    const fromEnv = await run(["proof", "--url", url, "--nonce", "n-1"], {
      DPOP_JWK: jwk,
      TOKEN: token,
    });
    expect(fromEnv.code).toBe(0);
    expect(decodeJwt(header(fromEnv.stdout))).toMatchObject({ nonce: "n-1", htm: "GET" });
  });

  it.skipIf(!hasCurl)("--curl prints a whole curl command that gets a 200", async () => {
    const { file } = await boundToken();
    const printed = await run([
      "proof",
      "--curl",
      "--url",
      `${api.origin}/trpc/messages`,
      "--key",
      file,
    ]);
    expect(printed.code).toBe(0);
    expect(printed.stdout).toMatch(/^curl -i -H 'Authorization: DPoP ey/);
    const { code, stdout } = await sh(printed.stdout, { PATH: process.env.PATH ?? "" });
    expect(code).toBe(0);
    expect(stdout).toMatch(/^HTTP\/1\.1 200/);
  });

  it("refuses a key the token is not bound to, and explains missing or bad input", async () => {
    const a = await boundToken();
    const b = await boundToken();
    const url = `${api.origin}/x`;
    const mismatch = await run(["proof", "--url", url, "--token", a.token, "--key", b.file]);
    expect(mismatch.code).toBe(1);
    expect(mismatch.stderr).toContain("the token is bound to another key");

    const noKey = await run(["proof", "--url", url]);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('eval "$(scopegate token --dpop)"');
    expect((await run(["proof", "--key", a.file])).stderr).toContain("--url is required");
    expect((await run(["proof", "--url", "/relative", "--key", a.file])).code).toBe(2);
    expect((await run(["proof", "--url", "ftp://h/x", "--key", a.file])).code).toBe(2);
    const notKey = await run(["proof", "--url", url, "--key", '{"kty":"EC"}']);
    expect(notKey.code).toBe(2);
    expect(notKey.stderr).toContain("holds no private JWK");
    const missing = await run(["proof", "--url", url, "--key", join(tmpdir(), "no-such.json")]);
    expect(missing.stderr).toContain("cannot read the file (ENOENT)");
    expect(missing.stderr).not.toMatch(/\n\s+at /);

    const plain = await run(["token"], env);
    const unbound = await run([
      "proof",
      "--url",
      url,
      "--token",
      plain.stdout.trim(),
      "--key",
      a.file,
    ]);
    expect(unbound.code).toBe(0);
    expect(unbound.stderr).toContain("not DPoP-bound");
  });
});

describe("scopegate dev's printed block", () => {
  it("is paste-safe: every line a comment, an assignment or a command", () => {
    const out = dev.output();
    expect(notPasteSafe(out)).toEqual([]);
    expect(out).toContain("# Press Ctrl+C to stop.");
  });

  it.skipIf(!hasCurl)(
    "runs in sh as printed; its DPoP curl gets a 200 from a real server",
    async () => {
      // Everything but the demo's URL as printed: it points at this test's server instead.
      const block = dev.output().replaceAll("http://127.0.0.1:3001", api.origin);
      const bin = await scopegateOnPath(await tempDir("scopegate-bin-"));
      const home = await tempDir("scopegate-home-");
      const result = await sh(block, { PATH: `${bin}:${process.env.PATH ?? ""}`, HOME: home });
      expect(result.stderr).not.toContain("scopegate proof:");
      expect(result.code).toBe(0);
      expect(result.stdout).toContain("Verify: valid");
      expect(result.stdout).toMatch(/^HTTP\/1\.1 200/m);
    },
    60_000,
  );
});
