/**
 * Forged-token flood: 1 000 000 distinct forged tokens are rejected through
 * `createAuthContext(...).auth.require()`; RSS is read before and after (with `global.gc`
 * when exposed) and the issuer counts the key fetches the flood caused. Goals (issue 6):
 * RSS growth < 50 MB; fetches bounded by the unknown-`kid` cooldown.
 *
 *   NODE_OPTIONS=--expose-gc npx tsx bench/flood.ts [count]
 *
 * Forgeries, in rotation (every one distinct, generated on the fly so the test data itself
 * does not sit in memory):
 *   1. random `kid`, valid-looking claims, random signature  → unknown key (refetch path)
 *   2. the issuer's real `kid`, valid-looking claims, random signature → RSA verify fails
 *   3. real `kid`, random payload (random members, random or missing `iss`) → refused claims
 *   4. random bytes in every segment → malformed token
 */
import { randomBytes } from "node:crypto";
import { createAuth } from "scopegate";
import { createTestIssuer } from "scopegate/testing";
import { type Check, emit, gcIfExposed, mb, settle, table } from "./lib/report.js";

const COUNT = Number(process.argv[2] ?? process.env.FLOOD_TOKENS ?? 1_000_000);
const CHUNK = 1000;
const AUDIENCE = "https://api.bench.example";
const COOLDOWN_S = 30; // scopegate's default unknown-kid cooldown

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");

/** Random bytes drawn from a pool refilled in large blocks (one syscall per ~64 KiB). */
let pool = randomBytes(0);
let offset = 0;
function rnd(n: number): string {
  if (offset + n > pool.length) {
    pool = randomBytes(64 * 1024);
    offset = 0;
  }
  const out = pool.toString("base64url", offset, offset + n);
  offset += n;
  return out;
}

const KINDS = ["random kid", "bad signature", "random payload", "garbage"] as const;
type Kind = (typeof KINDS)[number];

function forge(i: number, iss: string, kid: string): { kind: Kind; token: string } {
  const kind = KINDS[i % KINDS.length] as Kind;
  const now = Math.floor(Date.now() / 1000);
  const sig = rnd(256);
  switch (kind) {
    case "random kid":
      return {
        kind,
        token: `${b64({ alg: "RS256", typ: "JWT", kid: rnd(12) })}.${b64({ iss, aud: AUDIENCE, sub: rnd(9), iat: now, exp: now + 3600, jti: rnd(12) })}.${sig}`,
      };
    case "bad signature":
      return {
        kind,
        token: `${b64({ alg: "RS256", typ: "JWT", kid })}.${b64({ iss, aud: AUDIENCE, sub: rnd(9), iat: now, exp: now + 3600, jti: rnd(12), scope: "read:messages" })}.${sig}`,
      };
    case "random payload": {
      const payload: Record<string, unknown> = { [rnd(6)]: rnd(24), n: i };
      if (i % 8 < 4) payload.iss = `https://${rnd(6)}.example/`;
      return { kind, token: `${b64({ alg: "RS256", typ: "JWT", kid })}.${b64(payload)}.${sig}` };
    }
    default:
      return { kind, token: `${rnd(30)}.${rnd(120)}.${sig}` };
  }
}

function describe(cause: unknown): string {
  const parts: string[] = [];
  let c: unknown = cause;
  for (let depth = 0; c !== undefined && c !== null && depth < 4; depth++) {
    parts.push(c instanceof Error ? `${c.name}: ${c.message}` : String(c));
    c = c instanceof Error ? c.cause : undefined;
  }
  return parts.join(" ← ") || "no cause";
}

const issuer = await createTestIssuer({ audience: AUDIENCE });
try {
  const auth = createAuth({ issuer: issuer.url, audience: AUDIENCE });
  await auth.warmup();
  const good = await issuer.sign({ scope: "read:messages" });
  await auth.createAuthContext({ headers: { authorization: `Bearer ${good}` } }).auth.require();
  const kid = (issuer.jwks().keys[0]?.kid ?? "") as string;
  const gc = gcIfExposed();
  if (!gc) {
    process.stderr.write(
      "flood: global.gc is not exposed; RSS readings include uncollected garbage. " +
        "Run with NODE_OPTIONS=--expose-gc.\n",
    );
  }
  await settle();
  gcIfExposed();
  const before = process.memoryUsage();
  const hitsBefore = { ...issuer.hits };
  const rejected = new Map<string, number>();
  let accepted = 0;
  let unavailableCause: unknown;
  let peakRss = before.rss;
  const t0 = performance.now();

  for (let start = 0; start < COUNT; start += CHUNK) {
    const n = Math.min(CHUNK, COUNT - start);
    const batch: Promise<void>[] = [];
    for (let j = 0; j < n; j++) {
      const { kind, token } = forge(start + j, issuer.url, kid);
      const state = auth.createAuthContext({ headers: { authorization: `Bearer ${token}` } });
      batch.push(
        state.auth.require().then(
          () => {
            accepted++;
          },
          (e: { status?: number; reason?: string; cause?: unknown }) => {
            if (e.status === 503 && unavailableCause === undefined) unavailableCause = e.cause;
            const key = `${kind} → ${e.status ?? "?"} ${e.reason ?? "?"}`;
            rejected.set(key, (rejected.get(key) ?? 0) + 1);
          },
        ),
      );
    }
    await Promise.all(batch);
    if ((start / CHUNK) % 10 === 0) {
      const rss = process.memoryUsage.rss();
      if (rss > peakRss) peakRss = rss;
    }
    if ((start / CHUNK) % 100 === 0 && start > 0) {
      process.stderr.write(
        `  ${start.toLocaleString("en")} forged, rss ${mb(process.memoryUsage.rss())}, ` +
          `${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
      );
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const preGc = process.memoryUsage();
  gcIfExposed();
  await settle();
  gcIfExposed();
  const after = process.memoryUsage();
  const growth = after.rss - before.rss;
  const fetched = {
    discovery: issuer.hits.discovery - hitsBefore.discovery,
    jwks: issuer.hits.jwks - hitsBefore.jwks,
  };
  const jwksBound = Math.ceil(seconds / COOLDOWN_S) + 1;

  const checks: Check[] = [
    {
      goal: `RSS growth < 50 MB while ${COUNT.toLocaleString("en")} forged tokens are rejected`,
      measured: `${mb(growth)} (after GC; peak ${mb(peakRss - before.rss)} during the flood)`,
      pass: growth < 50 * 1024 * 1024,
    },
    {
      goal: `key fetches bounded by the ${COOLDOWN_S} s cooldown (≤ ${jwksBound} JWKS in ${seconds.toFixed(0)} s, no discovery)`,
      measured: `${fetched.jwks} JWKS, ${fetched.discovery} discovery`,
      pass: fetched.jwks <= jwksBound && fetched.discovery === 0,
    },
    {
      goal: "every forged token rejected",
      measured: `${accepted} accepted`,
      pass: accepted === 0,
    },
  ];
  const memRows = [
    ["", "RSS", "heap used", "external + array buffers"],
    [
      "before (after warmup, GC)",
      mb(before.rss),
      mb(before.heapUsed),
      mb(before.external + before.arrayBuffers),
    ],
    [
      "after, before GC",
      mb(preGc.rss),
      mb(preGc.heapUsed),
      mb(preGc.external + preGc.arrayBuffers),
    ],
    ["after (GC)", mb(after.rss), mb(after.heapUsed), mb(after.external + after.arrayBuffers)],
    [
      "**growth**",
      `**${mb(growth)}**`,
      mb(after.heapUsed - before.heapUsed),
      mb(after.external + after.arrayBuffers - before.external - before.arrayBuffers),
    ],
  ];
  const reasonRows = [
    ["forgery → status reason", "count"],
    ...[...rejected].sort((a, b) => a[0].localeCompare(b[0])).map(([k, v]) => [k, String(v)]),
  ];
  emit({
    id: "flood",
    title: "Forged-token flood",
    markdown: [
      `${COUNT.toLocaleString("en")} distinct forged tokens, ${CHUNK} in flight at a time, rejected in ${seconds.toFixed(1)} s (${Math.round(COUNT / seconds).toLocaleString("en")} / s). GC ${gc ? "exposed (`--expose-gc`), run before each reading" : "**not exposed**: readings include garbage"}.`,
      table(memRows, "---|--:|--:|--:"),
      table(reasonRows, "---|--:"),
      `Key fetches caused by the flood: ${fetched.jwks} JWKS, ${fetched.discovery} discovery (the unknown-\`kid\` refetch runs at most once per ${COOLDOWN_S} s cooldown; the issuer's discovery document stays cached).`,
      ...(unavailableCause === undefined
        ? []
        : [
            `Some unknown-\`kid\` requests got a 503: the refetch they shared failed (${describe(unavailableCause)}).`,
          ]),
    ].join("\n\n"),
    checks,
  });
} finally {
  await issuer.close();
}
