import { afterEach } from "vitest";
import {
  createTestIssuer,
  type TestIssuer,
  type TestIssuerOptions,
} from "../../src/testing/index.js";

/**
 * `start(options)` for a test file: each issuer it starts is closed after its test.
 * Call at the top level of the file (it registers the afterEach hook).
 */
export function issuersClosedAfterEach(): (options?: TestIssuerOptions) => Promise<TestIssuer> {
  const open: TestIssuer[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((issuer) => issuer.close()));
  });
  return async (options) => {
    const issuer = await createTestIssuer(options);
    open.push(issuer);
    return issuer;
  };
}
