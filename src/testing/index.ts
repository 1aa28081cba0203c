/**
 * `scopegate/testing`: a local OAuth 2.0 / OpenID Connect issuer for tests and demos.
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
 * @packageDocumentation
 */
export type { DevTokenRequest, DevTokenResponse } from "./dev.js";
export { createTestIssuer } from "./issuer.js";
export type { TestIssuer } from "./test-issuer.js";
export type {
  DpopAlg,
  DpopKeyPair,
  DpopProofOptions,
  FailableEndpoint,
  FailOptions,
  RotateKeysOptions,
  SignOptions,
  TestAlg,
  TestFailure,
  TestIssuerHits,
  TestIssuerOptions,
} from "./types.js";
