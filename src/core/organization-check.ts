import type { Checked } from "./check.js";
import { isPromiseLike } from "./maybe.js";
import {
  type OrganizationCheck,
  type OrganizationMatcher,
  organizationAllowed,
  organizationTokenError,
} from "./organization.js";
import type { RequestView } from "./request.js";

/**
 * The claims type of an `Auth` whose `organization` option is `O`: with one set, `org_id`
 * is a `string` (a token without it is refused).
 *
 * @example
 * ```ts
 * type C = OrganizationClaims<AccessTokenClaims, "org_123">; // AccessTokenClaims & { org_id: string }
 * ```
 */
export type OrganizationClaims<Claims, O> = [O] extends [undefined]
  ? Claims
  : Claims & { org_id: string };

function assertAllowed(checked: Checked, m: OrganizationMatcher): Checked {
  const payload = checked.payload as Record<string, unknown>;
  if (!organizationAllowed(payload, m)) throw organizationTokenError(payload);
  return checked;
}

/**
 * The verification when its organization is allowed for this request; else the 401.
 * The API-wide `organization` check of `createAuth`, run on every request after the token
 * check — a cached token too, so a token cached from one organization's request is still
 * refused on another's; synchronous unless the resolver answers with a promise; internal.
 */
export function withOrganization(
  checked: Checked,
  view: RequestView | undefined,
  org: OrganizationCheck,
): Checked | Promise<Checked> {
  const m = org(view);
  return isPromiseLike(m)
    ? Promise.resolve(m).then((matcher) => assertAllowed(checked, matcher))
    : assertAllowed(checked, m);
}
