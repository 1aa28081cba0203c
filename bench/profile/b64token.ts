/**
 * The b64token check of token.ts (a table-driven scan) against the regular expression it
 * replaced, on a flat string and on a slice of a header (what parseAuthorization scans).
 *
 *   npx tsx bench/profile/b64token.ts
 */
import { do_not_optimize, measure } from "mitata";
import { createTestIssuer } from "scopegate/testing";
import { isB64Token } from "../../src/core/token.js";

const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const issuer = await createTestIssuer();
const token = await issuer.sign({ scope: "read:messages write:messages" });
await issuer.close();
const header = `Bearer ${token}`;
const flat = `${token}`.split("").join(""); // a flat copy

const cases: Array<[string, () => unknown]> = [
  ["regex, flat string", () => do_not_optimize(B64TOKEN.test(flat))],
  ["isB64Token, flat string", () => do_not_optimize(isB64Token(flat))],
  ["regex, header.slice(7)", () => do_not_optimize(B64TOKEN.test(header.slice(7)))],
  ["isB64Token, header.slice(7)", () => do_not_optimize(isB64Token(header.slice(7)))],
];
for (let round = 0; round < 2; round++) {
  for (const [name, fn] of cases) {
    const s = await measure(fn);
    console.log(`${(s.avg / 1000).toFixed(3).padStart(8)} µs  ${name} (${token.length} chars)`);
  }
}
