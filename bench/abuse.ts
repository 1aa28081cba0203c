/**
 * Abuse and multi-tenant rows (issue 13): what hostile volumes cost, each next to the
 * genuine request it imitates, in one process.
 *
 *   NODE_OPTIONS=--expose-gc npx tsx bench/abuse.ts
 *
 * 1. Forged-issuer flood: 20 000 tokens naming distinct non-existent tenants of a real
 *    loopback tenant host, admitted by a pattern resolver → µs per forged request, requests
 *    the tenant host received (and per second), heap retained after GC.
 * 2. Heap per tenant: 2 000 genuine tenants (one key each) held by one `createAuth`.
 * 3. A 10 000-issuer resolver list with a cached token vs a one-issuer static list.
 * 4. A forged kid-less ES256 token against 3 and 3 000 keys.
 * 5. A DPoP proof signed by an unbound RSA key with a 4096-bit exponent vs a genuine DPoP
 *    request.
 * 6. The in-memory replay store: µs per add with 1 000 000 live proofs, and its footprint.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { SignJWT } from "jose";
import { type AuthError, createAuth, createMemoryReplayStore } from "scopegate";
import { createTestIssuer } from "scopegate/testing";
import { type Check, emit, gcIfExposed, settle, table, us } from "./lib/report.js";

const heap = async () => {
  gcIfExposed();
  await settle();
  gcIfExposed();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};
const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
const mib = (n: number) => `${(n / 2 ** 20).toFixed(2)} MiB`;

async function perCall(n: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  for (let i = 0; i < Math.min(200, n); i++) await fn(i);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn(i);
  return ((performance.now() - t0) * 1000) / n;
}

const keys = await createTestIssuer({ audience: "https://api.bench.example" });
let hostHits = 0;
const host = createServer((req, res) => {
  hostHits++;
  const m = /^\/t\/(real-[0-9]+)\/\.well-known\/openid-configuration$/.exec(req.url ?? "");
  if (m) {
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ issuer: `${base}/t/${m[1]}/`, jwks_uri: keys.jwksUri }));
    return;
  }
  res.statusCode = 404;
  res.end();
});
await new Promise<void>((r) => host.listen(0, "127.0.0.1", r));
const base = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;
const tenant = (name: string) => `${base}/t/${name}/`;

// 1. Forged-issuer flood.
const flood = createAuth({
  issuers: ({ unverifiedIssuer }) => unverifiedIssuer?.startsWith(`${base}/t/`) ?? false,
  audience: keys.audience,
});
const genuine = await keys.sign({ iss: tenant("real-0") });
await flood.verify(genuine);
const [h, p, sig] = genuine.split(".") as [string, string, string];
const claims = JSON.parse(Buffer.from(p, "base64url").toString()) as Record<string, unknown>;
const forge = (name: string) =>
  `${h}.${Buffer.from(JSON.stringify({ ...claims, iss: tenant(name) })).toString("base64url")}.${sig}`;
const FORGED = 20_000;
const floodHeapBefore = await heap();
hostHits = 0;
let served = 0;
const t0 = performance.now();
for (let i = 0; i < FORGED; i += 500) {
  await Promise.all(
    Array.from({ length: 500 }, (_, j) => flood.verify(forge(`forged-${i + j}`)).catch(() => {})),
  );
  await flood.verify(genuine);
  served++;
}
const floodSeconds = (performance.now() - t0) / 1000;
await settle(300);
const floodHits = hostHits;
const floodRetained = (await heap()) - floodHeapBefore;
const floodUs = (floodSeconds * 1e6) / FORGED;

// 2. Heap per genuine tenant.
const TENANTS = 2000;
const many = createAuth({
  issuers: () => true,
  audience: keys.audience,
  cache: { issuers: { newPerSecond: 1e6 } },
});
const tenantTokens = await Promise.all(
  Array.from({ length: TENANTS }, (_, i) => keys.sign({ iss: tenant(`real-${i}`) })),
);
const tenantsBefore = await heap();
for (const t of tenantTokens) await many.verify(t);
const perTenant = ((await heap()) - tenantsBefore) / TENANTS;

// 3. Resolver list of 10 000 issuers, cached token.
const list = Array.from({ length: 10_000 }, (_, i) => `https://tenant-${i}.example.com/`);
list.push(keys.url);
const listed = createAuth({ issuers: () => list, audience: keys.audience });
const single = createAuth({ issuer: keys.url, audience: keys.audience });
const token = await keys.sign();
const listUs = await perCall(20_000, () => listed.verify(token));
const singleUs = await perCall(20_000, () => single.verify(token));

// 4. Kid-less forged token vs 3 and 3 000 keys.
const ec = (n: number) =>
  Array.from({ length: n }, () => ({
    ...(generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({
      format: "jwk",
    }) as Record<string, string>),
    alg: "ES256",
  }));
const idp = "https://idp.bench.example/";
const forgedKidless = await new SignJWT({ sub: "x" })
  .setProtectedHeader({ alg: "ES256" })
  .setIssuer(idp)
  .setAudience("api")
  .setExpirationTime("5m")
  .sign(generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey);
const three = createAuth({ issuer: idp, audience: "api", jwks: { keys: ec(3) } });
const thousands = createAuth({ issuer: idp, audience: "api", jwks: { keys: ec(3000) } });
const kid3Us = await perCall(500, () => three.verify(forgedKidless).catch(() => {}));
const kid3000Us = await perCall(500, () => thousands.verify(forgedKidless).catch(() => {}));

// 5. Unbound huge-exponent DPoP proof vs a genuine DPoP request.
const dpopAuth = createAuth({ issuer: keys.url, audience: keys.audience });
const dpopKey = await keys.dpopKey("ES256");
const bound = await keys.sign({ scope: "read" }, { dpopJkt: dpopKey.thumbprint });
const url = "https://api.bench.example/things";
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey.export({
  format: "jwk",
}) as Record<string, string>;
const e = randomBytes(512);
e[0] = (e[0] ?? 0) | 0x80;
e[511] = (e[511] ?? 0) | 1;
const hugeProof = () =>
  `${b64({ typ: "dpop+jwt", alg: "RS256", jwk: { kty: "RSA", n: rsa.n, e: e.toString("base64url") } })}.${b64({ jti: randomBytes(12).toString("base64url"), htm: "GET", htu: url, iat: Math.floor(Date.now() / 1000) })}.${randomBytes(256).toString("base64url")}`;
const ask = (dpop: string) =>
  dpopAuth
    .createAuthContext({ url, method: "GET", headers: { authorization: `DPoP ${bound}`, dpop } })
    .auth.require()
    .catch((x: AuthError) => x);
const N_DPOP = 2000;
const hugeProofs = Array.from({ length: N_DPOP + 200 }, hugeProof);
const goodProofs = await Promise.all(
  Array.from({ length: N_DPOP + 200 }, () =>
    keys.dpopProof({ key: dpopKey, method: "GET", url, accessToken: bound }),
  ),
);
const hugeUs = await perCall(N_DPOP, (i) => ask(hugeProofs[i] as string));
const goodUs = await perCall(N_DPOP, (i) => ask(goodProofs[i] as string));

// 6. The in-memory replay store at 1 000 000 live proofs.
const LIVE = 1_000_000;
const storeBefore = await heap();
const store = createMemoryReplayStore();
const tStore = performance.now();
for (let i = 0; i < LIVE; i++) store.add(`dpop:${i.toString(36)}-proof-key`, 330);
const addUs = ((performance.now() - tStore) * 1000) / LIVE;
const storeBytes = (await heap()) - storeBefore;
let replayRefused = 0;
for (let i = 0; i < 1000; i++)
  if (!store.add(`dpop:${i.toString(36)}-proof-key`, 330)) replayRefused++;

host.close();
await keys.close();

const markdown = [
  table([
    ["abuse", "cost", "genuine / baseline", "bound"],
    [
      `forged-issuer flood (${FORGED.toLocaleString("en")} distinct tenants via a resolver)`,
      `${us(floodUs)} µs per forged request; ${floodHits} tenant-host requests in ${floodSeconds.toFixed(1)} s (${(floodHits / floodSeconds).toFixed(0)}/s); heap retained ${mib(floodRetained)}`,
      `a held tenant served ${served}/${served} times during the flood`,
      "≤ `cache.issuers.newPerSecond` (10) first fetches per second, 2 requests each",
    ],
    [
      `heap per genuine tenant (${TENANTS} tenants, 1 key each)`,
      kib(perTenant),
      "",
      "≤ `cache.issuers.max` (5 000) tenants, idle 3 600 s",
    ],
    [
      "cached token, resolver list of 10 001 issuers",
      `${us(listUs)} µs`,
      `${us(singleUs)} µs (one static issuer)`,
      "Set lookup per request",
    ],
    [
      "forged kid-less ES256 token, 3 000 keys",
      `${us(kid3000Us)} µs`,
      `${us(kid3Us)} µs (3 keys)`,
      "≤ 3 candidate keys",
    ],
    [
      "DPoP proof by an unbound RSA key, 4096-bit exponent",
      `${us(hugeUs)} µs`,
      `${us(goodUs)} µs (genuine DPoP request)`,
      "refused before any signature work",
    ],
    [
      `in-memory replay store, ${LIVE.toLocaleString("en")} live proofs`,
      `${us(addUs)} µs per add; ${mib(storeBytes)} (${(storeBytes / LIVE).toFixed(0)} B per proof)`,
      `${replayRefused}/1000 replays refused at full load`,
      "refuses when full; never evicts a live proof",
    ],
  ]),
  "Each row runs in the same process as its baseline. Heap figures are `heapUsed + arrayBuffers` after two GCs.",
].join("\n\n");

const checks: Check[] = [
  {
    goal: "forged issuers: outbound requests bounded (≤ 2 × (10 + 10/s))",
    measured: `${floodHits} in ${floodSeconds.toFixed(1)} s`,
    pass: floodHits <= 2 * (10 + Math.ceil(floodSeconds) * 10),
  },
  {
    goal: "forged issuers: retained heap < 4 MiB",
    measured: mib(floodRetained),
    pass: floodRetained < 4 * 2 ** 20,
  },
  {
    goal: "10 000-issuer resolver, cached token: microseconds",
    measured: `${us(listUs)} µs`,
    pass: listUs < 100,
  },
  {
    goal: "kid-less forged token: 3 000 keys cost about 3 keys",
    measured: `${us(kid3000Us)} vs ${us(kid3Us)} µs`,
    pass: kid3000Us < kid3Us * 2 + 50,
  },
  {
    goal: "huge-exponent unbound DPoP key refused well under 1 ms",
    measured: `${us(hugeUs)} µs`,
    pass: hugeUs < 500,
  },
  {
    goal: "replay store holds 1 000 000 live proofs and refuses their replays",
    measured: `${replayRefused}/1000 refused, ${mib(storeBytes)}`,
    pass: replayRefused === 1000,
  },
];
emit({ id: "abuse", title: "Abuse and multi-tenant costs (issue 13)", markdown, checks });
