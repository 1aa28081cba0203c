/**
 * `scopegate/testing`: a local OAuth 2.0 / OpenID Connect issuer for tests and demos.
 *
 * It serves real HTTP with `node:http`, so it runs on Node, Bun and Deno (all three are
 * tested), not inside a Cloudflare Worker or Vercel's edge runtime: there, start it on the
 * host and give the Worker its URL (`issuer: issuer.url`).
 *
 * @example
 * ```ts
 * import { createTestIssuer } from "scopegate/testing";
 *
 * const issuer = await createTestIssuer();
 * const token = await issuer.sign({ scope: "read:items" });
 * await issuer.close();
 * ```
 *
 * @module scopegate/testing
 */
export type { DevTokenRequest, DevTokenResponse } from "./dev.js";
export { dpopProof, importDpopKey } from "./dpop.js";
export { createTestIssuer } from "./issuer.js";
export type { TestIssuer } from "./test-issuer.js";
export type {
  DpopAlg,
  DpopKeyPair,
  DpopProofOptions,
  FailableEndpoint,
  FailOptions,
  IntrospectionClient,
  OpaqueTokenOptions,
  RotateKeysOptions,
  SignOptions,
  TestAlg,
  TestFailure,
  TestIssuerHits,
  TestIssuerOptions,
} from "./types.js";
