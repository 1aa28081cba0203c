/**
 * The shared suite's one network case: discovery and JWKS over the runtime's own `fetch`,
 * against an issuer on the driver's loopback.
 */
import { createAuth } from "scopegate";
import { type Case, eq } from "../cases.js";

/**
 * An issuer on the driver's loopback (the packed `scopegate/testing` on the Node host) and a
 * token it signed: with it the suite also checks discovery and JWKS over the runtime's own
 * `fetch`, as a deployed `createAuth({ issuer })` or `createAuth({ domain })` works.
 */
export interface NetworkTarget {
  issuer: string;
  audience: string;
  token: string;
}

export function networkCase(target: NetworkTarget): Case {
  return [
    "createAuth({ issuer }) on loopback: discovery + JWKS through this runtime's fetch -> claims",
    async () => {
      const auth = createAuth({ issuer: target.issuer, audience: target.audience });
      const claims = await auth.verify(target.token);
      eq([claims.sub, claims.iss], ["network-user", target.issuer], "claims");
    },
  ];
}
