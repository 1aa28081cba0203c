/**
 * Cold-start herd: 1 000 concurrent first requests hit a freshly created `Auth` (no warmup)
 * against a fresh local issuer on 127.0.0.1; the issuer counts the discovery and JWKS
 * requests it receives. Goal (issue 6): exactly 1 discovery and 1 JWKS fetch.
 *
 *   npx tsx bench/herd.ts
 */
import { createAuth } from "scopegate";
import { createTestIssuer } from "scopegate/testing";
import { type Check, emit, table } from "./lib/report.js";

const CONCURRENCY = 1000;
const AUDIENCE = "https://api.bench.example";

interface HerdResult {
  scenario: string;
  ok: number;
  failed: number;
  discovery: number;
  jwks: number;
  statsDiscovery: number;
  statsJwks: number;
  ms: number;
}

async function herd(scenario: string, distinctTokens: boolean): Promise<HerdResult> {
  const issuer = await createTestIssuer({ audience: AUDIENCE });
  try {
    const one = await issuer.sign({ scope: "read:messages" });
    const tokens = distinctTokens
      ? await Promise.all(
          Array.from({ length: CONCURRENCY }, (_, i) => issuer.sign({ sub: `user-${i}` })),
        )
      : Array.from({ length: CONCURRENCY }, () => one);
    issuer.resetHits(); // signing does not hit the endpoints, but start from a clean slate
    const auth = createAuth({ issuer: issuer.url, audience: AUDIENCE });
    const t0 = performance.now();
    const outcomes = await Promise.allSettled(
      tokens.map((token) =>
        auth.createAuthContext({ headers: { authorization: `Bearer ${token}` } }).auth.require(),
      ),
    );
    const ms = performance.now() - t0;
    const ok = outcomes.filter((o) => o.status === "fulfilled").length;
    const firstError = outcomes.find((o) => o.status === "rejected");
    if (firstError) process.stderr.write(`herd: a request failed: ${String(firstError.reason)}\n`);
    return {
      scenario,
      ok,
      failed: CONCURRENCY - ok,
      discovery: issuer.hits.discovery,
      jwks: issuer.hits.jwks,
      statsDiscovery: auth.stats.discoveryFetches,
      statsJwks: auth.stats.jwksFetches,
      ms,
    };
  } finally {
    await issuer.close();
  }
}

const results = [
  await herd(`${CONCURRENCY} × the same token`, false),
  await herd(`${CONCURRENCY} distinct tokens`, true),
];

const checks: Check[] = results.map((r) => ({
  goal: `herd (${r.scenario}) → exactly 1 discovery and 1 JWKS fetch, all requests pass`,
  measured: `${r.discovery} discovery, ${r.jwks} JWKS; ${r.ok}/${CONCURRENCY} passed`,
  pass: r.discovery === 1 && r.jwks === 1 && r.ok === CONCURRENCY,
}));

emit({
  id: "herd",
  title: "Cold-start herd",
  markdown: `${table(
    [
      [
        "scenario",
        "passed",
        "failed",
        "discovery fetches (issuer)",
        "JWKS fetches (issuer)",
        "`auth.stats` discovery / JWKS",
        "all settled in",
      ],
      ...results.map((r) => [
        r.scenario,
        String(r.ok),
        String(r.failed),
        String(r.discovery),
        String(r.jwks),
        `${r.statsDiscovery} / ${r.statsJwks}`,
        `${r.ms.toFixed(0)} ms`,
      ]),
    ],
    "---|--:|--:|--:|--:|--:|--:",
  )}\n\n- A new issuer and a new \`createAuth\` (no \`warmup()\`) per scenario; all ${CONCURRENCY} \`createAuthContext(...).auth.require()\` calls start in the same tick. Fetch counts are the requests the issuer received.`,
  checks,
});
