/**
 * Attribution of the cached-request cost: times the pieces of
 * `createAuthContext({ headers }) → require() → hasScopes()` one by one (mitata), with the
 * same 682-character RS256 token as bench/verify.ts. Internal modules are imported read-only
 * from src/ to time them in isolation.
 *
 *   npx tsx bench/profile/components.ts
 */
import { createHash } from "node:crypto";
import { do_not_optimize, measure } from "mitata";
import { createAuth } from "scopegate";
import { createTestIssuer } from "scopegate/testing";
import { isB64Token, parseAuthorization } from "../../src/core/token.js";
import { TokenCache } from "../../src/core/token-cache.js";

const AUD = "https://api.bench.example";
const issuer = await createTestIssuer({ audience: AUD });
const token = await issuer.sign({ scope: "read:messages write:messages" });
const bearer = `Bearer ${token}`;
const auth = createAuth({ issuer: issuer.url, audience: AUD });
await auth.warmup();
await auth.verify(token);

const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const cache = new TokenCache<number>(5000, 600);
cache.set(token, { token, value: 1, until: Number.POSITIVE_INFINITY, from: 0 });
const map = new Map<string, number>([[token, 1]]);
const ideal = new Map([
  [token, { exp: Date.now() / 1000 + 3600, scopes: new Set(["read:messages", "write:messages"]) }],
]);
/** What Node's http server hands a handler: lower-cased `headers` plus `rawHeaders`. */
function nodeReq() {
  const raw = [
    "Host",
    "127.0.0.1:3000",
    "User-Agent",
    "bench/1.0",
    "Accept",
    "application/json",
    "Accept-Encoding",
    "gzip, deflate, br",
    "Accept-Language",
    "en",
    "Connection",
    "keep-alive",
    "Content-Type",
    "application/json",
    "Origin",
    "http://localhost:5173",
    "Referer",
    "http://localhost:5173/",
    "Sec-Fetch-Mode",
    "cors",
    "X-Request-Id",
    "abc",
    "Authorization",
    bearer,
  ];
  const headers: Record<string, string> = {};
  for (let i = 0; i < raw.length; i += 2) headers[(raw[i] ?? "").toLowerCase()] = raw[i + 1] ?? "";
  return { headers, rawHeaders: raw, method: "GET", url: "/trpc/messages" };
}
/** A fresh string equal to the token, as each request's header slice is. */
const fresh = () => bearer.slice(7);

async function leaf(): Promise<number> {
  return 1;
}
async function chain(depth: number): Promise<number> {
  return depth === 0 ? leaf() : await chain(depth - 1);
}

const cases: Array<[string, () => unknown]> = [
  ["fresh token slice (baseline for the rows below)", () => fresh()],
  ["b64token regex on the token (the former token.ts check)", () => B64TOKEN.test(fresh())],
  ["isB64Token table scan on the token (token.ts)", () => isB64Token(fresh())],
  ["parseAuthorization(header) (token.ts)", () => parseAuthorization(bearer)],
  ["Map.get, fresh equal string key (no LRU move)", () => do_not_optimize(map.get(fresh()))],
  [
    "Map.get + delete + set, fresh key (TokenCache.get's LRU move)",
    () => {
      const k = fresh();
      const v = map.get(k);
      map.delete(k);
      map.set(k, v ?? 0);
    },
  ],
  ["TokenCache.get, fresh key", () => cache.get(fresh(), 1)],
  [
    "sha256(token) base64url (fast-jwt-style key)",
    () => createHash("sha256").update(fresh()).digest("base64url"),
  ],
  ["await of 1 async function", () => chain(0)],
  ["await through 4 nested async functions", () => chain(3)],
  [
    "createAuthContext({ headers }) only",
    () => auth.createAuthContext({ headers: { authorization: bearer } }),
  ],
  [
    "cached request, Node-like req (12 headers + rawHeaders)",
    async () => {
      const { auth: a } = auth.createAuthContext({ req: nodeReq() });
      await a.require();
      return a.hasScopes("read:messages");
    },
  ],
  [
    "createAuthContext + require()",
    () => auth.createAuthContext({ headers: { authorization: bearer } }).auth.require(),
  ],
  [
    "createAuthContext + require() + hasScopes()",
    async () => {
      const { auth: a } = auth.createAuthContext({ headers: { authorization: bearer } });
      await a.require();
      return a.hasScopes("read:messages");
    },
  ],
  ["auth.verify(token) (cache hit)", () => auth.verify(token)],
  [
    "sketch: minimal promise-returning cached request (lower bound)",
    async () => {
      const headers: Record<string, string> = { authorization: bearer };
      const h = headers.authorization ?? "";
      const t = h.slice(h.indexOf(" ") + 1);
      const e = ideal.get(t);
      if (!e || e.exp < Date.now() / 1000) throw new Error("miss");
      const claims = await Promise.resolve(e);
      return claims.scopes.has("read:messages");
    },
  ],
];

for (const [name, fn] of cases) {
  const s = await measure(fn);
  console.log(`${(s.avg / 1000).toFixed(3).padStart(8)} µs  ${name}`);
}
await issuer.close();
