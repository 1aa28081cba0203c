/**
 * Quick A/B loop for the issue-15 ratios, interleaved in one process (no mitata): the
 * node:crypto floor, a cold request (token cache off), a cold `auth.verify`, the ES256 floor
 * and a DPoP request (token seen before, fresh proof). Prints medians of `rounds` of
 * process CPU time per call.
 *
 *   npx tsx bench/profile/ratios.ts [rounds=7] [iterations=4000]
 */
import { createPublicKey, verify as cryptoVerify } from "node:crypto";
import { createTestIssuer } from "scopegate/testing";
import { bundledScopegate } from "../lib/bundle.js";

const rounds = Number(process.argv[2] ?? 7);
const n = Number(process.argv[3] ?? 4000);
const AUD = "https://api.bench.example";
const { createAuth } = await bundledScopegate({ webcrypto: false });
const issuer = await createTestIssuer({ audience: AUD });
const token = await issuer.sign({ scope: "read:messages" });
const jwks = (await (await fetch(issuer.jwksUri)).json()) as { keys: { alg?: string }[] };
const jwk = jwks.keys.find((k) => k.alg === "RS256");
const keyObject = createPublicKey({ key: jwk as import("node:crypto").JsonWebKey, format: "jwk" });
const cold = createAuth({ issuer: issuer.url, audience: AUD, cache: { tokens: false } });
const warm = createAuth({ issuer: issuer.url, audience: AUD });
await cold.warmup();
await warm.warmup();
const dpopKey = await issuer.dpopKey("ES256");
const bound = await issuer.sign({ scope: "read:messages" }, { dpopJkt: dpopKey.thumbprint });
const URL_ = "http://127.0.0.1:8080/api";
const proofs: string[] = [];
for (let i = 0; i < rounds * n + 10; i++) {
  proofs.push(
    await issuer.dpopProof({ key: dpopKey, method: "GET", url: URL_, accessToken: bound }),
  );
}
const [ph = "", pp = "", ps = ""] = (proofs[0] ?? "").split(".");
const proofKey = createPublicKey({
  key: dpopKey.publicJwk as import("node:crypto").JsonWebKey,
  format: "jwk",
});
const proofInput = Buffer.from(`${ph}.${pp}`);
const proofSig = Buffer.from(ps, "base64url");
let sink: unknown;
let p = 0;

const cases: Record<string, () => unknown> = {
  floor: () => {
    const d1 = token.indexOf(".");
    const d2 = token.indexOf(".", d1 + 1);
    const sig = Buffer.from(token.slice(d2 + 1), "base64url");
    if (!cryptoVerify("sha256", Buffer.from(token.slice(0, d2)), keyObject, sig))
      throw new Error("sig");
    sink = JSON.parse(Buffer.from(token.slice(d1 + 1, d2), "base64url").toString());
  },
  coldVerify: () => cold.verify(token),
  coldRequest: async () => {
    const { auth } = cold.createAuthContext({ headers: { authorization: `Bearer ${token}` } });
    await auth.require();
    if (!(await auth.hasScopes("read:messages"))) throw new Error("scope");
  },
  es256: () => {
    if (!cryptoVerify("sha256", proofInput, { key: proofKey, dsaEncoding: "ieee-p1363" }, proofSig))
      throw new Error("sig");
  },
  dpop: async () => {
    const { auth } = warm.createAuthContext({
      headers: { host: "127.0.0.1:8080", authorization: `DPoP ${bound}`, dpop: proofs[p++] ?? "" },
      method: "GET",
      url: "/api",
    });
    await auth.require();
    if (!(await auth.hasScopes("read:messages"))) throw new Error("scope");
  },
};
const times: Record<string, number[]> = {};
for (let r = 0; r < rounds; r++) {
  for (const [name, fn] of Object.entries(cases)) {
    // CPU time of this process, not wall time: other work on a shared machine inflates the
    // latter far more than the former.
    const t0 = process.cpuUsage();
    for (let i = 0; i < n; i++) {
      const v = fn();
      if (v instanceof Promise) await v;
    }
    const used = process.cpuUsage(t0);
    const xs = times[name] ?? [];
    xs.push((used.user + used.system) / n);
    times[name] = xs;
  }
}
const med = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const ratio = (a: string, b: string) =>
  med((times[a] ?? []).map((x, i) => x / ((times[b] ?? [])[i] ?? Number.NaN)));
for (const [name, xs] of Object.entries(times))
  console.log(`${name.padEnd(12)} ${med(xs).toFixed(2)} µs`);
console.log(`coldRequest ÷ floor ${ratio("coldRequest", "floor").toFixed(3)}×`);
console.log(`coldVerify  ÷ floor ${ratio("coldVerify", "floor").toFixed(3)}×`);
console.log(`dpop ÷ es256        ${ratio("dpop", "es256").toFixed(3)}×`);
void sink;
issuer.close();
