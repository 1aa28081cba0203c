/**
 * Reasons for the survivors of the access checks beside the token's signature: step-up
 * levels (src/core/step-up.ts), organizations (src/core/organization.ts) and the issuer /
 * domain option (src/core/issuer-url.ts), for scripts/mutation-reasons.mjs. Runs of
 * 2026-12-04; survivors that a later run no longer shows have no entry.
 */
const STEP = "src/core/step-up.ts";
const ORG = "src/core/organization.ts";
const ISS = "src/core/issuer-url.ts";

const STATIC_STEP_UP =
  "Static mutant (a module-level constant): reported Survived by the vitest runner, but test/core/step-up.test.ts fails on it when the change is made by hand.";
const BY_ORG =
  "Killed by test/core/organization-edges.test.ts (re-applied by hand; the run predates that file).";
const STATIC_HOST =
  'Static mutant (the module-level HOST expression): reported Survived by the vitest runner, but test/core/issuer-url.test.ts fails on it when the change is made by hand (one-character labels, 63-character labels, 253 characters in all, and the refusals of "refuses what is not a host name").';

export const ACCESS_REASONS = {
  [`${STEP}:22`]: STATIC_STEP_UP,
  [`${STEP}:24:ConditionalExpression`]:
    'Equivalent: `Number.isFinite` is false for anything that is not a number, so `typeof v === "number"` adds nothing.',
  [`${STEP}:25`]: STATIC_STEP_UP,
  [`${ORG}:62`]:
    "Static mutant (a module-level constant): reported Survived by the vitest runner, but test/core/organization-edges.test.ts fails on it when the change is made by hand (a name holding `org_` is a name).",
  [`${ORG}:76:MethodExpression`]:
    'Equivalent: with `item === ""` instead of `item.trim() === ""`, an all-space item is still refused by the next test (`item !== item.trim()`).',
  [`${ORG}:146`]: BY_ORG,
  [`${ISS}:5`]: STATIC_HOST,
  [`${ISS}:36:StringLiteral`]:
    'Equivalent: `m[1]` is always defined when `m` matched (the group `([^:]+)` is not optional); the `?? ""` is for the type checker.',
};
