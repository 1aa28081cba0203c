/**
 * Reasons for the survivors of the access checks beside the token's signature: step-up
 * levels (src/core/step-up.ts), organizations (src/core/organization.ts) and the issuer /
 * domain option (src/core/issuer-url.ts), for scripts/mutation-reasons.mjs. Run of
 * 2026-12-04.
 */
const STEP = "src/core/step-up.ts";
const ORG = "src/core/organization.ts";
const ISS = "src/core/issuer-url.ts";

const BY_STEP_UP =
  "Killed by test/core/step-up.test.ts (each level refusal and token judgement exact; re-applied by hand, the run predates that file).";
const STATIC_STEP_UP =
  "Static mutant (a module-level constant): reported Survived by the vitest runner, but test/core/step-up.test.ts fails on it when the change is made by hand.";
const BY_ORG =
  "Killed by test/core/organization-edges.test.ts (re-applied by hand; the run predates that file).";
const BY_ISSUER_URL =
  "Killed by test/core/issuer-url.test.ts (re-applied by hand; the run predates that file).";
const STATIC_HOST =
  'Static mutant (the module-level HOST expression): reported Survived by the vitest runner, but test/core/issuer-url.test.ts fails on it when the change is made by hand (one-character labels, 63-character labels, 253 characters in all, and the refusals of "refuses what is not a host name").';
const REPLACED =
  "Killed by test/core/issuer-url.test.ts in effect: the regular expression is gone (the message cuts the value with `split` since the run), and that test pins the message.";

export const ACCESS_REASONS = {
  [`${STEP}:22`]: STATIC_STEP_UP,
  [`${STEP}:24:LogicalOperator`]: `${BY_STEP_UP} An auth_time of 1e400 parses to Infinity: with \`||\` it counts as a time, and the refusal's reason is auth_too_old instead of auth_time_missing.`,
  [`${STEP}:24:ConditionalExpression`]:
    'Equivalent: `Number.isFinite` is false for anything that is not a number, so `typeof v === "number"` adds nothing.',
  [`${STEP}:25`]: STATIC_STEP_UP,
  [`${STEP}:38`]: BY_STEP_UP,
  [`${STEP}:39`]: BY_STEP_UP,
  [`${STEP}:45`]: BY_STEP_UP,
  [`${STEP}:50`]: BY_STEP_UP,
  [`${STEP}:52`]: BY_STEP_UP,
  [`${STEP}:56`]: BY_STEP_UP,
  [`${STEP}:58`]: BY_STEP_UP,
  [`${STEP}:65`]: BY_STEP_UP,
  [`${STEP}:66`]: BY_STEP_UP,
  [`${STEP}:70`]: BY_STEP_UP,
  [`${STEP}:100`]: BY_STEP_UP,
  [`${ORG}:62`]:
    "Static mutant (a module-level constant): reported Survived by the vitest runner, but test/core/organization-edges.test.ts fails on it when the change is made by hand (a name holding `org_` is a name).",
  [`${ORG}:76:MethodExpression`]:
    'Equivalent: with `item === ""` instead of `item.trim() === ""`, an all-space item is still refused by the next test (`item !== item.trim()`).',
  [`${ORG}:70`]: BY_ORG,
  [`${ORG}:76`]: BY_ORG,
  [`${ORG}:79`]: BY_ORG,
  [`${ORG}:107`]: BY_ORG,
  [`${ORG}:126`]: BY_ORG,
  [`${ORG}:132`]: BY_ORG,
  [`${ORG}:134`]: BY_ORG,
  [`${ORG}:146`]: BY_ORG,
  [`${ORG}:151`]: BY_ORG,
  [`${ORG}:162`]: BY_ORG,
  [`${ORG}:165`]: BY_ORG,
  [`${ORG}:171`]: BY_ORG,
  [`${ORG}:172`]: BY_ORG,
  [`${ORG}:175`]: BY_ORG,
  [`${ORG}:182`]: BY_ORG,
  [`${ORG}:183`]: BY_ORG,
  [`${ORG}:186`]: BY_ORG,
  [`${ISS}:5`]: STATIC_HOST,
  [`${ISS}:17`]: BY_ISSUER_URL,
  [`${ISS}:18`]: BY_ISSUER_URL,
  [`${ISS}:19`]: BY_ISSUER_URL,
  [`${ISS}:23`]: REPLACED,
  [`${ISS}:31`]: REPLACED,
  [`${ISS}:34`]: BY_ISSUER_URL,
  [`${ISS}:36:StringLiteral`]:
    'Equivalent: `m[1]` is always defined when `m` matched (the group `([^:]+)` is not optional); the `?? ""` is for the type checker.',
  [`${ISS}:36`]: BY_ISSUER_URL,
  [`${ISS}:42`]: BY_ISSUER_URL,
  [`${ISS}:55`]: BY_ISSUER_URL,
  [`${ISS}:72`]: BY_ISSUER_URL,
  [`${ISS}:73`]: BY_ISSUER_URL,
};
