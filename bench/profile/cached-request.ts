/**
 * Profiling driver: runs one scenario in a tight loop and writes a CPU profile of the loop
 * only (set-up and proof signing excluded), for `bench/profile/summarize.ts`.
 *
 *   npx tsx bench/profile/cached-request.ts cached|cold|verify|verify-cold|dpop [seconds=5] [out.cpuprofile]
 *
 * - cached: createAuthContext({ headers }) + require() + hasScopes(), token cache hit
 * - cold:   the same with `cache: { tokens: false }`
 * - verify: auth.verify(token), token cache hit
 * - verify-cold: auth.verify(token) with `cache: { tokens: false }`
 * - dpop:   a DPoP request (ES256 proof, bound token cached), a fresh proof per call
 */
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { createTestIssuer } from "scopegate/testing";
import { bundledScopegate } from "../lib/bundle.js";

const mode = process.argv[2] ?? "cached";
const seconds = Number(process.argv[3] ?? 5);
const out = process.argv[4] ?? `/tmp/scopegate-${mode}.cpuprofile`;
const AUD = "https://api.bench.example";
// As published (bundled like tsup builds it): no tsx `__name` wrappers in the profile.
const { createAuth } = await bundledScopegate({ webcrypto: false });
const issuer = await createTestIssuer({ audience: AUD });
const auth = createAuth({
  issuer: issuer.url,
  audience: AUD,
  ...(mode === "cold" || mode === "verify-cold" ? { cache: { tokens: false as const } } : {}),
});
await auth.warmup();
const dpopKey = await issuer.dpopKey("ES256");
const token =
  mode === "dpop"
    ? await issuer.sign({ scope: "read:messages" }, { dpopJkt: dpopKey.thumbprint })
    : await issuer.sign({ scope: "read:messages" });
const proofs: string[] = [];
if (mode === "dpop") {
  for (let i = 0; i < seconds * 10_000; i++) {
    proofs.push(
      await issuer.dpopProof({
        key: dpopKey,
        method: "GET",
        url: "http://127.0.0.1:8080/api",
        accessToken: token,
      }),
    );
  }
}

async function once(i: number): Promise<void> {
  if (mode === "verify" || mode === "verify-cold") {
    await auth.verify(token);
    return;
  }
  const headers: Record<string, string> =
    mode === "dpop"
      ? { host: "127.0.0.1:8080", authorization: `DPoP ${token}`, dpop: proofs[i] ?? "" }
      : { authorization: `Bearer ${token}` };
  const { auth: a } = auth.createAuthContext({ headers, method: "GET", url: "/api" });
  await a.require();
  if (!(await a.hasScopes("read:messages"))) throw new Error("scope");
}

for (let i = 0; i < 2000; i++) await once(mode === "dpop" ? proofs.length - 1 - i : i); // JIT warm-up
const session = new Session();
session.connect();
await session.post("Profiler.enable");
await session.post("Profiler.setSamplingInterval", { interval: 100 });
await session.post("Profiler.start");
const limit = mode === "dpop" ? proofs.length - 2000 : Number.POSITIVE_INFINITY;
const end = performance.now() + seconds * 1000;
const t0 = performance.now();
let n = 0;
while (performance.now() < end && n < limit) {
  for (let j = 0; j < 100 && n < limit; j++) await once(n++);
}
const dt = performance.now() - t0;
const { profile } = await session.post("Profiler.stop");
session.disconnect();
writeFileSync(out, JSON.stringify(profile));
console.log(`${mode}: ${n} calls, ${((dt * 1000) / n).toFixed(2)} µs each; profile in ${out}`);
await issuer.close();
