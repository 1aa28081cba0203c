import { once } from "node:events";
import { createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Auth,
  type AuthContextInput,
  AuthError,
  createAuth,
  MAX_TOKEN_LENGTH,
} from "../../src/index.js";
import { createTestIssuer, type TestIssuer } from "../../src/testing/index.js";

let issuer: TestIssuer;
let auth: Auth<unknown>;
let valid: string;

beforeAll(async () => {
  issuer = await createTestIssuer();
  auth = createAuth({ issuer: issuer.url, audience: issuer.audience, dpop: { mode: "disabled" } });
  valid = await issuer.sign({ scope: "read:messages" });
});
afterAll(() => issuer.close());

async function outcome(input: AuthContextInput) {
  const { auth: state } = auth.createAuthContext(input);
  try {
    await state.require();
    return { status: 200 };
  } catch (error) {
    expect(error).toBeInstanceOf(AuthError);
    const e = error as AuthError;
    return { status: e.status, error: e.toJSON().error, challenge: e.headers["WWW-Authenticate"] };
  }
}

const bare = 'Bearer realm="api"';
const req400 = (d: string) =>
  `Bearer realm="api", error="invalid_request", error_description="${d}"`;

describe("Authorization header parsing (RFC 6750 §2.1)", () => {
  const cases: Array<[string, () => string | undefined, number, string?, string?]> = [
    ["no header → bare challenge", () => undefined, 401, "unauthorized", bare],
    ["Bearer <jwt>", () => `Bearer ${valid}`, 200],
    ["lower-case scheme", () => `bearer ${valid}`, 200],
    ["upper-case scheme", () => `BEARER ${valid}`, 200],
    ["two spaces after the scheme", () => `Bearer  ${valid}`, 200],
    ["scheme only", () => "Bearer", 400, "invalid_request", req400("missing access token")],
    ["scheme and a space", () => "Bearer ", 400, "invalid_request", req400("missing access token")],
    ["empty header", () => "", 400, "invalid_request", req400("empty Authorization header")],
    [
      "Basic scheme",
      () => "Basic dXNlcjpwYXNz",
      400,
      "invalid_request",
      req400("unsupported authorization scheme; use Bearer or DPoP"),
    ],
    ["unknown scheme", () => `Token ${valid}`, 400, "invalid_request"],
    [
      "extra part",
      () => `Bearer ${valid} extra`,
      400,
      "invalid_request",
      req400("malformed Authorization header: one credential expected"),
    ],
    [
      "two credentials comma-joined",
      () => `Bearer ${valid}, Bearer ${valid}`,
      400,
      "invalid_request",
    ],
    [
      "character outside b64token",
      () => "Bearer abc@def",
      400,
      "invalid_request",
      req400("malformed access token: characters outside RFC 6750 b64token"),
    ],
    ["quote in token", () => 'Bearer ab"c', 400, "invalid_request"],
    ["tab as separator", () => `Bearer\t${valid}`, 400, "invalid_request"],
    ["padding in the middle", () => "Bearer ab=c", 400, "invalid_request"],
    ["20 KB token", () => `Bearer ${"a".repeat(20_000)}`, 401, "invalid_token"],
    ["b64token that is not a JWT", () => "Bearer abc==", 401, "invalid_token"],
    ["three empty-ish segments", () => "Bearer a.b.c", 401, "invalid_token"],
    ["JWE (5 parts)", () => "Bearer a.b.c.d.e", 401, "invalid_token"],
  ];

  it.each(cases)("%s", async (_name, header, status, error, challenge) => {
    const h = header();
    const result = await outcome({ headers: h === undefined ? {} : { authorization: h } });
    expect(result.status).toBe(status);
    if (error) expect(result.error).toBe(error);
    if (challenge) expect(result.challenge).toBe(challenge);
    if (status === 401 && error === "invalid_token") {
      expect(result.challenge).toMatch(
        /^Bearer realm="api", error="invalid_token", error_description="/,
      );
    }
  });

  it("reads a Fetch Request, header names case-insensitively", async () => {
    const req = new Request("http://127.0.0.1/x", {
      headers: { AUTHORIZATION: `Bearer ${valid}` },
    });
    expect(await outcome(req)).toEqual({ status: 200 });
    expect(await outcome({ request: req })).toEqual({ status: 200 });
    expect(await outcome({ req, resHeaders: new Headers() })).toEqual({ status: 200 });
    expect(await outcome({ headers: { AuThOrIzAtIoN: `Bearer ${valid}` } })).toEqual({
      status: 200,
    });
  });

  it("Fetch Headers with two Authorization values → 400", async () => {
    const headers = new Headers();
    headers.append("authorization", `Bearer ${valid}`);
    headers.append("authorization", `Bearer ${valid}`);
    expect((await outcome(new Request("http://127.0.0.1/", { headers }))).status).toBe(400);
  });

  it("never reads the query string or the body → 401 bare", async () => {
    const req = new Request(`http://127.0.0.1/x?access_token=${valid}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `access_token=${valid}`,
    });
    expect(await outcome(req)).toEqual({ status: 401, error: "unauthorized", challenge: bare });
  });

  it("reads connectionParams (authorization or token) when no header is sent", async () => {
    const base = { req: { headers: {} } };
    expect(
      await outcome({ ...base, info: { connectionParams: { authorization: `Bearer ${valid}` } } }),
    ).toEqual({ status: 200 });
    expect(await outcome({ ...base, info: { connectionParams: { token: valid } } })).toEqual({
      status: 200,
    });
    expect((await outcome({ ...base, info: { connectionParams: { token: "x y" } } })).status).toBe(
      400,
    );
    expect((await outcome({ ...base, info: { connectionParams: {} } })).status).toBe(401);
  });

  it("a non-object input behaves as a request without credentials", async () => {
    expect((await outcome(null as never)).status).toBe(401);
    expect((await outcome({ foo: 1 } as never)).status).toBe(401);
  });
});

/** The refusal of an `authorization` header value (string or array), or "ok". */
async function refusalOf(authorization: string | string[]) {
  const { auth: state } = auth.createAuthContext({ headers: { authorization } });
  return state.require().then(
    () => "ok",
    (e: AuthError) => `${e.status} ${e.reason}: ${e.description}`,
  );
}

describe("Authorization edges found by mutation testing (issue 18)", () => {
  const MAX = MAX_TOKEN_LENGTH;
  const notJws = "not-a-jws-but-a-b64token";

  it("a scheme with a character outside RFC 9110 token, at either end, is malformed (not an unsupported scheme)", async () => {
    for (const header of ["@Bearer x", "Bearer@ x", "(DPoP x"]) {
      expect(await refusalOf(header)).toBe("400 malformed_header: malformed Authorization header");
    }
  });

  it("three segments with characters outside base64url are not taken for a JWS (400, not 401)", async () => {
    for (const token of ["@@.b.c", "a.@@.c", "a.b.@@", "a.b.c d"]) {
      expect(await refusalOf(`Bearer ${token}`)).toMatch(
        /^400 (malformed_header|multiple_credentials): malformed /,
      );
    }
  });

  it("surrounding spaces and three spaces after the scheme are tolerated", async () => {
    expect(await refusalOf(`  Bearer ${valid}  `)).toBe("ok");
    expect(await refusalOf(`Bearer   ${valid}`)).toBe("ok");
    expect(await refusalOf(`bearer   ${valid}`)).toBe("ok");
  });

  it("a one-element header array is that header; an empty array is an empty header", async () => {
    expect(await refusalOf([`Bearer ${valid}`])).toBe("ok");
    expect(await refusalOf([])).toBe("400 malformed_header: empty Authorization header");
    expect(await refusalOf([`Bearer ${valid}`, `Bearer ${valid}`])).toBe(
      "400 multiple_credentials: more than one Authorization header",
    );
  });

  it("size is checked before syntax, at exactly MAX_TOKEN_LENGTH characters of token", async () => {
    const tooLarge = "401 token_too_large: access token too large";
    // Huge and malformed: the size answers first (no scan of 20 KB of junk).
    expect(await refusalOf(`Bearer ${"@".repeat(20_000)}`)).toBe(tooLarge);
    // Off the fast path (lower-case scheme, extra spaces): exactly MAX passes the size check...
    for (const header of [
      `bearer ${"a".repeat(MAX)}`,
      `Bearer${" ".repeat(10)}${"a".repeat(MAX)}`,
    ]) {
      expect(await refusalOf(header)).not.toBe(tooLarge);
      expect(await refusalOf(header)).toMatch(/^401 /);
    }
    // ...and one more character does not.
    expect(await refusalOf(`bearer ${"a".repeat(MAX + 1)}`)).toBe(tooLarge);
    expect(await refusalOf(`Bearer ${"a".repeat(MAX + 1)}`)).toBe(tooLarge);
    expect(await refusalOf(`Bearer ${notJws}`)).toMatch(/^401 /);
  });
});

describe("Node IncomingMessage over real HTTP", () => {
  async function serve(send: (port: number) => Promise<void>) {
    const seen: Array<{ status: number; challenge?: string }> = [];
    const server = createServer(async (req, res) => {
      const { auth: state } = auth.createAuthContext({ req, res });
      try {
        await state.require();
        seen.push({ status: 200 });
        res.end("ok");
      } catch (error) {
        const e = error as AuthError;
        seen.push({ status: e.status, challenge: String(res.getHeader("www-authenticate")) });
        res.statusCode = e.status;
        res.end(JSON.stringify(e));
      }
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    try {
      await send((server.address() as AddressInfo).port);
    } finally {
      server.closeAllConnections();
      server.close();
    }
    return seen;
  }

  function rawGet(port: number, headers: string[]): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: "127.0.0.1", port, path: "/" });
      req.on("error", reject);
      // Two Authorization headers need raw header arrays: setHeader with an array sends both.
      req.setHeader("Authorization", headers);
      req.on("response", (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.end();
    });
  }

  it("two Authorization headers → 400 even though Node keeps only one in req.headers", async () => {
    const seen = await serve(async (port) => {
      expect(await rawGet(port, [`Bearer ${valid}`, `Bearer ${valid}`])).toBe(400);
      expect(await rawGet(port, [`Bearer ${valid}`])).toBe(200);
    });
    expect(seen[0]?.challenge).toBe(req400("more than one Authorization header"));
  });

  it("writes WWW-Authenticate to the response sink of a failed check", async () => {
    const seen = await serve(async (port) => {
      const res = await fetch(`http://127.0.0.1:${port}/`);
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toBe(bare);
      expect(await res.json()).toEqual({
        error: "unauthorized",
        error_description: "authentication required",
      });
    });
    expect(seen).toHaveLength(1);
  });
});
