/**
 * Property tests (fast-check): whatever a client sends — random Authorization headers, random
 * JWT-shaped strings, random headers and claim sets signed with a trusted key, random DPoP
 * proofs, random request shapes — the answer is an `AuthError` with status 400, 401 or 403:
 * never another exception, never a 500 or 503 while the key source is healthy, never an
 * unhandled rejection, and never an acceptance that the inputs do not justify.
 *
 * Quick profile by default (300 runs per property). Long profile:
 *   FUZZ_RUNS=100000 npx vitest run test/security/fuzz.test.ts
 * A failure prints its seed; FUZZ_SEED=<seed> replays it.
 */

import { createHash, KeyObject, sign as nodeSign } from "node:crypto";
import { Agent } from "node:http";
import fc from "fast-check";
import { type Auth, type AuthContextInput, AuthError, createAuth } from "scopegate";
import { createTestIssuer, type DpopKeyPair, type TestIssuer } from "scopegate/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  b64u,
  fetchWithExtraKeys,
  type LabKey,
  labKey,
  type Running,
  send,
  startNodeServer,
  watchProcess,
} from "./support.js";

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
/** Replays a failure: FUZZ_SEED=<seed printed by fast-check>. */
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
/** HTTP properties open real requests: the long profile caps them. */
const HTTP_RUNS = Math.min(RUNS, 20_000);
const TIMEOUT = Math.max(20_000, RUNS * 15);
const ACCEPTED_ALGS = ["RS256", "ES256", "PS256", "EdDSA", "ES384"];
const TARGET = "http://api.scopegate.test/fuzz";
/** Spellings of TARGET that RFC 3986 §6.2.2–6.2.3 normalisation makes equal (htu). */
const SAME_URL = [
  TARGET,
  `${TARGET}?q=1#f`,
  "http://API.scopegate.test:80/fuzz",
  "http://api.scopegate.test/./fuzz",
  "http://api.scopegate.test/%66uzz",
];
/** The scope no token holds: a verified token answers 403, so every outcome is an error. */
const NEVER = "fuzz:never";

let issuer: TestIssuer;
let auth: Auth<unknown>;
let proxied: Auth<unknown>;
let server: Running;
let dpopKey: DpopKeyPair;
let dpopPrivate: KeyObject;
let otherDpop: DpopKeyPair;
let boundToken: string;
let watcher: ReturnType<typeof watchProcess>;
const labRsa: LabKey = labKey("fuzz-rsa", { rsa: 2048 });
const labEc: LabKey = labKey("fuzz-ec", "p256");
const tally = new Map<string, Map<string, number>>();
const timings = new Map<string, number>();

beforeAll(async () => {
  watcher = watchProcess();
  issuer = await createTestIssuer();
  const options = {
    issuer: issuer.url,
    audience: issuer.audience,
    fetch: fetchWithExtraKeys([labRsa.jwk, labEc.jwk]),
  };
  auth = createAuth(options) as Auth<unknown>;
  proxied = createAuth({ ...options, trustProxy: true }) as Auth<unknown>;
  await Promise.all([auth.warmup(), proxied.warmup()]);
  [dpopKey, otherDpop] = await Promise.all([issuer.dpopKey(), issuer.dpopKey()]);
  dpopPrivate = KeyObject.from(dpopKey.privateKey);
  boundToken = await issuer.sign({ scope: "read" }, { dpopJkt: dpopKey.thumbprint });
  server = await startNodeServer(auth);
});

afterAll(async () => {
  watcher?.stop();
  await server?.close();
  await issuer?.close();
  const lines = [...tally].map(([name, counts]) => {
    const hist = [...counts].map(([k, v]) => `${k}×${v}`).join(" ");
    return `  ${name} (${timings.get(name)} ms): ${hist}`;
  });
  console.log(`fuzz: ${RUNS} runs per property (HTTP ${HTTP_RUNS})\n${lines.join("\n")}`);
});

// ---------------------------------------------------------------------------------------
// Helpers

const now = () => Math.floor(Date.now() / 1000);

function count(property: string, key: string): void {
  let m = tally.get(property);
  if (!m) {
    m = new Map();
    tally.set(property, m);
  }
  m.set(key, (m.get(key) ?? 0) + 1);
}

/** Runs one request through the public API; returns the AuthError (fails on anything else). */
async function outcome(
  property: string,
  input: AuthContextInput,
  via: Auth<unknown> = auth,
): Promise<AuthError> {
  // Yield to the event loop on every run: a loop that only awaits settled promises starves
  // timers, and the same-process issuer's keep-alive race then fakes an outage (that race is
  // pinned in regressions.test.ts).
  await new Promise((r) => setImmediate(r));
  let error: unknown;
  try {
    const { auth: state } = via.createAuthContext(input);
    await state.requireScopes(NEVER);
    error = new Error("resolved: a request was accepted for a scope no token holds");
  } catch (e) {
    error = e;
  }
  if (!(error instanceof AuthError)) throw error;
  count(property, `${error.status}/${error.reason}`);
  if (![400, 401, 403].includes(error.status)) {
    throw new Error(`status ${error.status} (${error.reason}): ${error.description}`, {
      cause: error.cause,
    });
  }
  return error;
}

async function timed(name: string, run: () => Promise<void>): Promise<void> {
  const started = Date.now();
  try {
    await run();
  } finally {
    timings.set(name, Date.now() - started);
  }
}

const signInput = (input: string, key: LabKey | KeyObject) =>
  b64u(
    nodeSign("sha256", Buffer.from(input), {
      key: key instanceof KeyObject ? key : key.privateKey,
      dsaEncoding: "ieee-p1363",
    }),
  );

/** A JSON object text from entries (duplicates and `__proto__` kept as written). */
const objectText = (entries: ReadonlyArray<readonly [string, unknown]>) =>
  `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(",")}}`;

// ---------------------------------------------------------------------------------------
// Arbitraries

const b64tokenChars = fc.stringMatching(/^[A-Za-z0-9\-._~+/]{0,120}=*$/);
const jsonText = fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? "null");
const segment = fc.oneof(
  fc.uint8Array({ maxLength: 96 }).map((b) => b64u(b)),
  jsonText.map((t) => b64u(t)),
  fc.stringMatching(/^[A-Za-z0-9_-]{0,80}$/),
  fc.string({ maxLength: 40 }),
);
const jwtShaped = fc.array(segment, { minLength: 1, maxLength: 6 }).map((parts) => parts.join("."));

const authorizationValue = fc.oneof(
  fc.string({ unit: "binary", maxLength: 300 }),
  fc.string({ maxLength: 300 }),
  fc
    .tuple(
      fc.constantFrom(
        "Bearer",
        "bearer",
        "BEARER",
        "DPoP",
        "dpop",
        "Basic",
        "Token",
        "",
        "Bearer:",
      ),
      fc.constantFrom(" ", "  ", "\t", "", ", ", " \u00a0"),
      fc.oneof(b64tokenChars, jwtShaped, fc.string({ maxLength: 60 })),
    )
    .map(([s, sep, t]) => `${s}${sep}${t}`),
);

/** A time claim: mostly around now, or any JSON value. */
const timeish = fc.oneof(
  { arbitrary: fc.integer({ min: -100_000, max: 100_000 }).map((d) => now() + d), weight: 4 },
  { arbitrary: fc.double(), weight: 1 },
  { arbitrary: fc.jsonValue({ maxDepth: 1 }), weight: 1 },
);
const claimKey = fc.oneof(
  fc.constantFrom(
    "iss",
    "aud",
    "exp",
    "nbf",
    "iat",
    "sub",
    "scope",
    "scp",
    "permissions",
    "cnf",
    "client_id",
    "__proto__",
    "constructor",
    "prototype",
    "toString",
    "hasOwnProperty",
  ),
  fc.string({ maxLength: 12 }),
);
/** `$ISS`, `$AUD`, `$ALG`, `$KID` are replaced by the real values when the JSON is written. */
const often = <T>(value: T, other: fc.Arbitrary<unknown>) =>
  fc.oneof({ arbitrary: fc.constant(value), weight: 9 }, { arbitrary: other, weight: 1 });

/** Claim entries: mostly plausible, often hostile, with duplicates allowed. */
const claimEntries = fc
  .tuple(
    fc.record(
      {
        iss: often("$ISS", fc.oneof(fc.string(), fc.jsonValue({ maxDepth: 1 }))),
        aud: often(
          "$AUD",
          fc.oneof(
            fc.array(fc.oneof(fc.constant("$AUD"), fc.string()), { maxLength: 3 }),
            fc.jsonValue({ maxDepth: 1 }),
          ),
        ),
        exp: timeish,
        nbf: timeish,
        iat: timeish,
        scope: fc.oneof(fc.string(), fc.array(fc.string()), fc.jsonValue({ maxDepth: 2 })),
        cnf: fc.oneof(fc.record({ jkt: fc.string() }), fc.jsonValue({ maxDepth: 2 })),
      },
      { requiredKeys: ["exp"] },
    ),
    fc.array(fc.tuple(claimKey, fc.jsonValue({ maxDepth: 2 })), { maxLength: 4 }),
  )
  .map(([known, extra]) => [...Object.entries(known), ...extra] as Array<[string, unknown]>);

const headerKey = fc.oneof(
  fc.constantFrom(
    "alg",
    "kid",
    "typ",
    "cty",
    "crit",
    "b64",
    "jku",
    "jwk",
    "x5u",
    "x5c",
    "x5t",
    "zip",
    "enc",
    "__proto__",
  ),
  fc.string({ maxLength: 8 }),
);
const headerEntries = fc
  .tuple(
    fc.record(
      {
        alg: often(
          "$ALG",
          fc.oneof(
            fc.constantFrom(...ACCEPTED_ALGS, "none", "HS256"),
            fc.jsonValue({ maxDepth: 1 }),
          ),
        ),
        kid: often(
          "$KID",
          fc.oneof(
            fc.constantFrom(labRsa.kid, labEc.kid),
            fc.string({ maxLength: 300 }),
            fc.jsonValue({ maxDepth: 1 }),
          ),
        ),
        typ: fc.oneof(
          fc.constantFrom("JWT", "at+jwt", "application/at+jwt", "dpop+jwt", "JOSE"),
          fc.jsonValue({ maxDepth: 1 }),
        ),
      },
      { requiredKeys: ["alg"] },
    ),
    fc.array(fc.tuple(headerKey, fc.jsonValue({ maxDepth: 2 })), { maxLength: 3 }),
  )
  .map(([known, extra]) => [...Object.entries(known), ...extra] as Array<[string, unknown]>);

/** Replaces the `$…` placeholders (top level and inside arrays) by their values. */
function fill(
  entries: Array<[string, unknown]>,
  values: Record<string, unknown>,
): Array<readonly [string, unknown]> {
  const one = (v: unknown) => (typeof v === "string" && v in values ? values[v] : v);
  return entries.map(([k, v]) => [k, Array.isArray(v) ? v.map(one) : one(v)] as const);
}

/** Whether a parsed payload could be accepted: the conditions an acceptance needs. */
function claimsCouldPass(p: Record<string, unknown>): boolean {
  const t = now();
  const aud = typeof p.aud === "string" ? [p.aud] : Array.isArray(p.aud) ? p.aud : [];
  return (
    p.iss === issuer.url &&
    aud.includes(issuer.audience) &&
    typeof p.exp === "number" &&
    p.exp > t - 10 &&
    (p.nbf === undefined || (typeof p.nbf === "number" && p.nbf <= t + 10)) &&
    (p.iat === undefined || (typeof p.iat === "number" && p.iat <= t + 10))
  );
}

// ---------------------------------------------------------------------------------------
// Properties

describe(`fuzz (${RUNS} runs per property)`, () => {
  it(
    "random Authorization headers → 400 or 401",
    () =>
      timed("authorization headers", () =>
        fc.assert(
          fc.asyncProperty(
            fc.oneof(authorizationValue, fc.array(authorizationValue, { maxLength: 3 })),
            async (value) => {
              const e = await outcome("authorization headers", {
                headers: { authorization: value },
              });
              expect([400, 401]).toContain(e.status);
            },
          ),
          { numRuns: RUNS, seed: SEED },
        ),
      ),
    TIMEOUT,
  );

  it(
    "random JWT-shaped strings, signed with a trusted key or not → never accepted unsigned",
    () =>
      timed("jwt-shaped", () =>
        fc.assert(
          fc.asyncProperty(
            jwtShaped,
            fc.constantFrom("none", "rsa", "ec"),
            async (shape, signer) => {
              let token = shape;
              const parts = shape.split(".");
              const signed = signer !== "none" && parts.length >= 2;
              if (signed) {
                const input = `${parts[0]}.${parts[1]}`;
                token = `${input}.${signInput(input, signer === "rsa" ? labRsa : labEc)}`;
              }
              const e = await outcome("jwt-shaped", {
                headers: { authorization: `Bearer ${token}` },
              });
              if (!signed) expect(e.status).not.toBe(403);
            },
          ),
          { numRuns: RUNS, seed: SEED },
        ),
      ),
    TIMEOUT,
  );

  it(
    "random claim sets signed with a trusted key → 401, or 403 only for acceptable claims",
    () =>
      timed("claim sets", () =>
        fc.assert(
          fc.asyncProperty(claimEntries, fc.boolean(), async (entries, rsa) => {
            const key = rsa ? labRsa : labEc;
            const header = b64u(JSON.stringify({ alg: key.alg, kid: key.kid, typ: "JWT" }));
            const text = objectText(fill(entries, { $ISS: issuer.url, $AUD: issuer.audience }));
            const input = `${header}.${b64u(text)}`;
            const token = `${input}.${signInput(input, key)}`;
            const e = await outcome("claim sets", {
              headers: { authorization: `Bearer ${token}` },
            });
            expect([401, 403]).toContain(e.status);
            if (e.status === 403) expect(claimsCouldPass(JSON.parse(text))).toBe(true);
            expect(({} as Record<string, unknown>).polluted).toBeUndefined();
          }),
          { numRuns: RUNS, seed: SEED },
        ),
      ),
    TIMEOUT,
  );

  it(
    "random protected headers signed with a trusted key → 401, or 403 only for an acceptable header",
    () =>
      timed("headers", () =>
        fc.assert(
          fc.asyncProperty(headerEntries, fc.boolean(), async (entries, rsa) => {
            const key = rsa ? labRsa : labEc;
            const text = objectText(fill(entries, { $ALG: key.alg, $KID: key.kid }));
            const payload = b64u(
              JSON.stringify({
                iss: issuer.url,
                aud: issuer.audience,
                exp: now() + 600,
                iat: now(),
              }),
            );
            const input = `${b64u(text)}.${payload}`;
            const token = `${input}.${signInput(input, key)}`;
            const e = await outcome("headers", { headers: { authorization: `Bearer ${token}` } });
            expect([401, 403]).toContain(e.status);
            if (e.status === 403) {
              const h = JSON.parse(text) as Record<string, unknown>;
              expect(h.alg).toBe(key.alg);
              expect(h.crit ?? h.cty ?? h.b64).toBeUndefined();
            }
          }),
          { numRuns: RUNS, seed: SEED },
        ),
      ),
    TIMEOUT,
  );

  it(
    "random DPoP proofs with a bound token → 400/401, or 403 only for a proof of the bound key",
    () =>
      timed("dpop proofs", () => {
        const proofClaims = fc.record(
          {
            jti: often(
              "$JTI",
              fc.oneof(fc.string({ maxLength: 600 }), fc.jsonValue({ maxDepth: 1 })),
            ),
            htm: often(
              "GET",
              fc.oneof(fc.constantFrom("get", "POST", ""), fc.jsonValue({ maxDepth: 1 })),
            ),
            htu: fc.oneof(
              { arbitrary: fc.constant(TARGET), weight: 12 },
              fc.constantFrom(
                ...SAME_URL,
                "https://api.scopegate.test/fuzz",
                "http://evil.example/fuzz",
                "javascript:alert(1)",
              ),
              fc.string({ maxLength: 40 }),
              fc.jsonValue({ maxDepth: 1 }),
            ),
            iat: fc.oneof(
              { arbitrary: fc.integer({ min: -400, max: 60 }).map((d) => now() + d), weight: 5 },
              { arbitrary: timeish, weight: 1 },
            ),
            ath: often("$ATH", fc.string({ maxLength: 50 })),
            nonce: fc.jsonValue({ maxDepth: 1 }),
          },
          { requiredKeys: ["jti", "htm", "htu", "iat", "ath"] },
        );
        const proofHeader = fc.record(
          {
            typ: often("dpop+jwt", fc.jsonValue({ maxDepth: 1 })),
            alg: often(
              "ES256",
              fc.oneof(
                fc.constantFrom("RS256", "none", "HS256", "ES384"),
                fc.jsonValue({ maxDepth: 1 }),
              ),
            ),
            jwk: fc.oneof(
              { arbitrary: fc.constant(dpopKey.publicJwk), weight: 6 },
              fc.constantFrom(otherDpop.publicJwk, {
                ...dpopKey.publicJwk,
                d: "AAAA",
              }),
              fc.jsonValue({ maxDepth: 2 }),
            ),
            crit: often(undefined, fc.jsonValue({ maxDepth: 1 })),
          },
          { requiredKeys: ["typ", "alg", "jwk", "crit"] },
        );
        const ath = createHash("sha256").update(boundToken).digest("base64url");
        const proof = fc.oneof(
          { arbitrary: fc.string({ maxLength: 200 }), weight: 1 },
          { arbitrary: jwtShaped, weight: 1 },
          {
            weight: 8,
            arbitrary: fc
              .tuple(
                proofHeader,
                proofClaims,
                fc.uuid(),
                often("real", fc.constantFrom("other", "none")),
              )
              .map(([h, c, jti, signer]) => {
                const claims = {
                  ...c,
                  ath: c.ath === "$ATH" ? ath : c.ath,
                  jti: c.jti === "$JTI" ? jti : c.jti,
                };
                const input = `${b64u(JSON.stringify(h))}.${b64u(JSON.stringify(claims))}`;
                const facts = { htm: claims.htm, htu: claims.htu, jwk: h.jwk };
                if (signer === "none") return { text: `${input}.`, real: false, ...facts };
                const key = signer === "real" ? dpopPrivate : KeyObject.from(otherDpop.privateKey);
                const sig = signInput(input, key);
                return { text: `${input}.${sig}`, real: signer === "real", ...facts };
              }),
          },
        );
        return fc.assert(
          fc.asyncProperty(proof, often("GET", fc.constant("POST")), async (p, m) => {
            const method = String(m);
            const text = typeof p === "string" ? p : p.text;
            const e = await outcome("dpop proofs", {
              headers: { authorization: `DPoP ${boundToken}`, dpop: text },
              method,
              url: TARGET,
            });
            if (e.status === 403) {
              // Accepted: the proof must be signed by the bound key, for this method and URL.
              expect(typeof p === "object" && p.real).toBe(true);
              if (typeof p === "object") {
                expect(p.htm).toBe(method);
                expect(SAME_URL).toContain(p.htu);
                expect(p.jwk).toEqual(dpopKey.publicJwk);
              }
            }
          }),
          { numRuns: RUNS, seed: SEED },
        );
      }),
    TIMEOUT,
  );

  it(
    "random request shapes (Host, Forwarded, X-Forwarded-*, URL, method) with trustProxy → 400/401/403",
    () =>
      timed("request shapes", () => {
        const headerValue = fc.oneof(
          fc.string({ maxLength: 60 }),
          fc.array(fc.string({ maxLength: 30 }), { maxLength: 3 }),
          fc.constantFrom(
            "for=1.2.3.4;host=api.scopegate.test;proto=http",
            'host="[::1]:8080";proto=https',
            "evil.example, api.scopegate.test",
            "http, https",
            "/prefix",
            "443",
          ),
        );
        const shape = fc.record(
          {
            host: headerValue,
            forwarded: headerValue,
            "x-forwarded-host": headerValue,
            "x-forwarded-proto": headerValue,
            "x-forwarded-port": headerValue,
            "x-forwarded-prefix": headerValue,
          },
          { requiredKeys: [] },
        );
        return fc.assert(
          fc.asyncProperty(
            shape,
            fc.oneof(
              fc.constantFrom("/fuzz", TARGET, "*", "//x", ""),
              fc.string({ maxLength: 40 }),
            ),
            fc.oneof(fc.constantFrom("GET", "POST"), fc.string({ maxLength: 8 })),
            async (headers, url, method) => {
              const proof = await issuer.dpopProof({
                key: dpopKey,
                method: "GET",
                url: TARGET,
                accessToken: boundToken,
              });
              await outcome(
                "request shapes",
                {
                  headers: {
                    ...headers,
                    authorization: `DPoP ${boundToken}`,
                    dpop: proof,
                  } as Record<string, string | string[]>,
                  url,
                  method,
                  socket: { remoteAddress: "127.0.0.1" },
                },
                proxied,
              );
            },
          ),
          { numRuns: RUNS, seed: SEED },
        );
      }),
    TIMEOUT,
  );

  it(
    "random Authorization headers over node:http → 400 or 401 (never 5xx)",
    () =>
      timed("http headers", async () => {
        const agent = new Agent({ keepAlive: true, maxSockets: 4 });
        const latin1 = fc.stringMatching(/^[\t\x20-\x7e\x80-\xff]{0,200}$/);
        try {
          await fc.assert(
            fc.asyncProperty(
              fc.oneof(latin1, fc.array(latin1, { minLength: 1, maxLength: 3 })),
              async (value) => {
                const res = await send(
                  `${server.origin}/scoped`,
                  { headers: { authorization: value } },
                  agent,
                );
                count("http headers", String(res.status));
                expect([400, 401]).toContain(res.status);
              },
            ),
            { numRuns: HTTP_RUNS, seed: SEED },
          );
        } finally {
          agent.destroy();
        }
      }),
    TIMEOUT,
  );

  it("no unhandled rejection or uncaught exception during the properties", () => {
    expect(watcher.errors).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
