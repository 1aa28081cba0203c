/**
 * No check may be fooled by a promise from another realm. Vercel's edge runtime (the
 * `edge-runtime` package, what `next dev` runs edge routes in) evaluates code in a `node:vm`
 * context whose WebCrypto belongs to the host: `crypto.subtle.digest(…)` there is not an
 * `instanceof Promise`. The core, bundled the way an edge build does it, runs inside that
 * context against the test issuer on loopback: signatures, thumbprints, `ath` and the replay
 * key are all promises of the host's realm.
 */
import { fileURLToPath } from "node:url";
import { EdgeRuntime } from "edge-runtime";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { issuersClosedAfterEach } from "../support/issuers.js";

const startIssuer = issuersClosedAfterEach();

/** src/index.ts as one browser-conditions IIFE (jose's WebCrypto build, no node builtins). */
async function coreBundle(): Promise<string> {
  const out = await build({
    entryPoints: [fileURLToPath(new URL("../../src/index.ts", import.meta.url))],
    bundle: true,
    write: false,
    format: "iife",
    globalName: "scopegate",
    platform: "browser",
    conditions: ["edge-light", "worker", "browser"],
    target: "es2022",
    logLevel: "silent",
  });
  return out.outputFiles[0]?.text ?? "";
}

interface EdgeOutcome {
  ok: boolean;
  status?: number;
  reason?: string;
  sub?: unknown;
}

describe("the core inside Vercel's edge runtime (cross-realm promises)", () => {
  it("the runtime really hands out foreign promises", () => {
    const edge = new EdgeRuntime();
    expect(
      edge.evaluate("crypto.subtle.digest('SHA-256', new Uint8Array(1)) instanceof Promise"),
    ).toBe(false);
    expect(edge.evaluate("typeof process")).toBe("undefined");
  });

  it("verifies tokens and DPoP proofs exactly as on Node", async () => {
    const issuer = await startIssuer();
    const key = await issuer.dpopKey("ES256");
    const url = "https://api.example.com/messages";
    const algs = ["RS256", "PS256", "ES256", "EdDSA"] as const;
    const plain = await Promise.all(algs.map((alg) => issuer.sign({ sub: alg }, { alg })));
    const bad = `${(plain[0] as string).slice(0, -10)}AAAAAAAAAA`;
    const bound = await issuer.sign({ sub: "bound" }, { dpopJkt: key.thumbprint });
    const proof = () => issuer.dpopProof({ key, method: "GET", url, accessToken: bound });
    const other = await issuer.dpopKey("ES256");
    const foreign = await issuer.dpopProof({ key: other, method: "GET", url, accessToken: bound });
    const fresh = await proof();
    const input = {
      issuer: issuer.url,
      audience: issuer.audience,
      url,
      plain,
      bad,
      bound,
      proofs: [fresh, fresh, await proof(), foreign],
    };

    const edge = new EdgeRuntime();
    edge.evaluate(await coreBundle());
    edge.context.__input = input;
    const outcomes = (await edge.evaluate(`(async () => {
      const { issuer, audience, url, plain, bad, bound, proofs } = globalThis.__input;
      const auth = scopegate.createAuth({ issuer, audience });
      const run = (p) => p.then(
        (c) => ({ ok: true, sub: c.sub }),
        (e) => ({ ok: false, status: e.status, reason: e.reason }),
      );
      const out = [];
      for (const t of plain) out.push(await run(auth.verify(t)));
      out.push(await run(auth.verify(bad)));
      for (const dpop of proofs) {
        const request = new Request(url, { headers: { authorization: "DPoP " + bound, dpop } });
        const { auth: state } = await auth.createAuthContext(request);
        out.push(await run(state.require()));
      }
      return out;
    })()`)) as EdgeOutcome[];

    expect(outcomes).toEqual([
      { ok: true, sub: "RS256" },
      { ok: true, sub: "PS256" },
      { ok: true, sub: "ES256" },
      { ok: true, sub: "EdDSA" },
      { ok: false, status: 401, reason: "invalid_signature" },
      { ok: true, sub: "bound" },
      { ok: false, status: 400, reason: "dpop_replay" },
      { ok: true, sub: "bound" },
      { ok: false, status: 401, reason: "dpop_proof" },
    ]);
  });
});
