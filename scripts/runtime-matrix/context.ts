/**
 * What the driver hands every runtime's launcher: the test issuer it runs on loopback (the
 * packed `scopegate/testing`), the DPoP algorithms the host examples advertise, and the
 * suite's discovery-over-loopback target.
 */
import type { TestIssuer } from "scopegate/testing";

export interface MatrixContext {
  issuer: TestIssuer;
  /** `createAuth`'s default DPoP algorithms (the host examples' challenges). */
  dpopAlgs: readonly string[];
  /** The suite's `NetworkTarget` as JSON: the issuer and a token it signed. */
  network: string;
}
