/**
 * Shared helpers of the security suites: hand-built JWS, key material the tests control,
 * loopback HTTP servers (node:http and the tRPC standalone adapter) and a raw HTTP client
 * that can send what `fetch` can not (two `Authorization` headers, 20 KB headers).
 */
import {
  createHmac,
  generateKeyPairSync,
  type KeyObject,
  type KeyPairKeyObjectResult,
  sign as nodeSign,
} from "node:crypto";
import {
  type Agent,
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { initTRPC } from "@trpc/server";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import type { JWK } from "jose";
import { type AccessTokenClaims, type Auth, AuthError } from "scopegate";
import { authErrorOf, errorFormatter, requireAuth, requireScopes } from "scopegate/trpc";

/** base64url of a string (UTF-8) or bytes. */
export const b64u = (value: string | Uint8Array): string =>
  Buffer.from(value as string).toString("base64url");

/** A key pair the tests control, with its public JWK (`kid`, `alg`, `use: "sig"`). */
export interface LabKey {
  readonly kid: string;
  readonly alg: "RS256" | "ES256";
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly jwk: JWK;
}

/** Generates an RSA (given modulus) or P-256 key pair with a JWK ready to publish. */
export function labKey(kid: string, kind: { rsa: number } | "p256"): LabKey {
  const pair: KeyPairKeyObjectResult =
    kind === "p256"
      ? generateKeyPairSync("ec", { namedCurve: "P-256" })
      : generateKeyPairSync("rsa", { modulusLength: kind.rsa });
  const alg = kind === "p256" ? "ES256" : "RS256";
  const jwk = { ...(pair.publicKey.export({ format: "jwk" }) as JWK), kid, alg, use: "sig" };
  return { kid, alg, privateKey: pair.privateKey, publicKey: pair.publicKey, jwk };
}

/**
 * Signs `header.payload` exactly as given: objects are JSON-serialised, strings are used
 * verbatim (for duplicate members, `__proto__`, `1e400`…). The signature is made with `key`
 * and the key's own algorithm, whatever the header says.
 */
export function handSign(
  header: Record<string, unknown> | string,
  payload: Record<string, unknown> | string,
  key: LabKey,
): string {
  const h = typeof header === "string" ? header : JSON.stringify(header);
  const p = typeof payload === "string" ? payload : JSON.stringify(payload);
  const input = `${b64u(h)}.${b64u(p)}`;
  const signature = nodeSign("sha256", Buffer.from(input), {
    key: key.privateKey,
    dsaEncoding: "ieee-p1363",
  });
  return `${input}.${b64u(signature)}`;
}

/** `header.payload` signed with HMAC-SHA256 under `secret` (the classic alg-confusion forgery). */
export function hmacSign(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  secret: string | Uint8Array,
): string {
  const input = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(payload))}`;
  return `${input}.${createHmac("sha256", secret).update(input).digest("base64url")}`;
}

/** The three segments of a compact JWS. */
export function segments(token: string): [string, string, string] {
  const [h = "", p = "", s = ""] = token.split(".");
  return [h, p, s];
}

/** Decoded protected header of a compact JWS. */
export function headerOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(segments(token)[0], "base64url").toString("utf8"));
}

/** Re-encodes a raw (IEEE P1363) ECDSA signature `r || s` as ASN.1 DER. */
export function rawToDer(raw: Uint8Array): Buffer {
  const half = raw.length / 2;
  const int = (bytes: Uint8Array): Buffer => {
    let i = 0;
    while (i < bytes.length - 1 && bytes[i] === 0) i++;
    let v = Buffer.from(bytes.subarray(i));
    if ((v[0] ?? 0) & 0x80) v = Buffer.concat([Buffer.from([0]), v]);
    return Buffer.concat([Buffer.from([0x02, v.length]), v]);
  };
  const r = int(raw.subarray(0, half));
  const s = int(raw.subarray(half));
  return Buffer.concat([Buffer.from([0x30, r.length + s.length]), r, s]);
}

/**
 * A `fetch` for `createAuth({ fetch })`: real requests to the issuer, with `extra` keys
 * appended to every JWKS answer (how the tests publish keys they hold the private half of).
 */
export function fetchWithExtraKeys(extra: readonly unknown[]): typeof globalThis.fetch {
  return async (input, init) => {
    const response = await globalThis.fetch(input, init);
    const url = input instanceof Request ? input.url : String(input);
    if (!url.endsWith("/jwks.json") || response.status !== 200) return response;
    const body = (await response.json()) as { keys: unknown[] };
    const headers: Record<string, string> = { "content-type": "application/json" };
    const cc = response.headers.get("cache-control");
    if (cc) headers["cache-control"] = cc;
    return new Response(JSON.stringify({ keys: [...body.keys, ...extra] }), {
      status: 200,
      headers,
    });
  };
}

/** An HTTP request as the catalogue describes it. */
export interface Req {
  method?: string;
  /** Header values; an array sends the header once per value. */
  headers: Record<string, string | string[]>;
  /** Appended to the target URL, e.g. `?access_token=…`. */
  query?: string;
  /** A request body (form-encoded), for "token in the body" cases. */
  body?: string;
}

/** What came back over HTTP. */
export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  json(): Record<string, unknown>;
}

/** Sends `req` to `url` with node:http (so duplicate and oversized headers reach the server). */
export function send(url: string, req: Req, agent?: Agent): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const target = new URL(url + (req.query ?? ""));
    const headers: Record<string, string | string[]> = { ...req.headers };
    if (req.body !== undefined) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      headers["content-length"] = String(Buffer.byteLength(req.body));
    }
    const r = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        method: req.method ?? "GET",
        headers,
        agent: agent ?? false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const body = Buffer.concat(chunks).toString("utf8");
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            json: () => JSON.parse(body) as Record<string, unknown>,
          });
        });
        res.on("error", reject);
      },
    );
    r.on("error", reject);
    r.end(req.body);
  });
}

/** A running loopback server. */
export interface Running {
  /** Origin, e.g. `http://127.0.0.1:PORT`; resources are `/resource` and `/scoped`. */
  origin: string;
  close(): Promise<void>;
}

function listen(server: Server): Promise<Running> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        origin: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

/** Largest request head the test servers accept (Node's default is 16 KiB). */
export const MAX_HEADER_SIZE = 64 * 1024;

function reply(res: ServerResponse, status: number, body: unknown, headers = {}): void {
  if (res.headersSent) return;
  res.writeHead(status, { ...headers, "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

/**
 * A bare node:http server: `createAuthContext({ req, res })` then `require()` on `/resource`,
 * `requireScopes("read:messages")` on `/scoped`. Errors answer `{ error, error_description,
 * reason }` with the error's headers; anything that is not an `AuthError` answers 599 so a
 * test can tell it apart from every status scopegate uses.
 */
export function startNodeServer(auth: Pick<Auth<unknown>, "createAuthContext">): Promise<Running> {
  const server = createServer({ maxHeaderSize: MAX_HEADER_SIZE }, async (req, res) => {
    try {
      const { auth: state } = auth.createAuthContext({ req, res });
      const path = new URL(req.url ?? "/", "http://x").pathname;
      const claims =
        path === "/scoped" ? await state.requireScopes("read:messages") : await state.require();
      reply(res, 200, { ok: true, sub: (claims as { sub?: unknown }).sub ?? null });
    } catch (error) {
      if (error instanceof AuthError) {
        reply(res, error.status, { ...error.toJSON(), reason: error.reason }, error.headers);
      } else {
        reply(res, 599, { unexpected: String(error) });
      }
    }
  });
  return listen(server);
}

/** Response header in which the test tRPC server reports the AuthError's `reason`. */
export const TRPC_REASON_HEADER = "x-test-auth-reason";

/**
 * The tRPC standalone adapter (`createHTTPHandler`, i.e. `createHTTPServer` with a larger
 * header limit) with `createContext: auth.createAuthContext`: procedures `resource`
 * (`requireAuth()`) and `scoped` (`requireScopes("read:messages")`). The tRPC wire carries no
 * `reason` (only `error` and `error_description`), so the server's `onError` — where an app
 * reads it with `authErrorOf` — reports it in {@link TRPC_REASON_HEADER} for the tests.
 */
export function startTrpcServer(auth: Auth<AccessTokenClaims>): Promise<Running> {
  const createContext = auth.createAuthContext;
  const t = initTRPC.context<typeof createContext>().create({ errorFormatter });
  const router = t.router({
    resource: t.procedure.use(requireAuth()).query(({ ctx }) => ({ sub: ctx.claims.sub })),
    scoped: t.procedure.use(requireScopes("read:messages")).query(() => "messages"),
  });
  const responses = new WeakMap<IncomingMessage, ServerResponse>();
  const handler = createHTTPHandler({
    router,
    createContext,
    onError: ({ error, req }) => {
      const reason = authErrorOf(error)?.reason;
      const res = responses.get(req as IncomingMessage);
      if (reason && res && !res.headersSent) res.setHeader(TRPC_REASON_HEADER, reason);
    },
  });
  return listen(
    createServer({ maxHeaderSize: MAX_HEADER_SIZE }, (req, res) => {
      responses.set(req, res);
      return handler(req, res);
    }),
  );
}

/** The `{ error, error_description }` a tRPC answer carries in `error.data.auth`. */
export function trpcAuthData(answer: HttpAnswer): { error?: string; error_description?: string } {
  const body = answer.json() as { error?: { data?: { auth?: Record<string, string> } } };
  return body.error?.data?.auth ?? {};
}

/** Collects unhandled rejections and uncaught exceptions while installed. */
export function watchProcess(): { errors: unknown[]; stop(): void } {
  const errors: unknown[] = [];
  const onRejection = (reason: unknown) => errors.push(reason);
  const onException = (error: unknown) => errors.push(error);
  process.on("unhandledRejection", onRejection);
  process.on("uncaughtException", onException);
  return {
    errors,
    stop() {
      process.off("unhandledRejection", onRejection);
      process.off("uncaughtException", onException);
    },
  };
}
