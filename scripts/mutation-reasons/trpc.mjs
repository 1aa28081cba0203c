/**
 * Reasons for the survivors of the tRPC adapter's middlewares (src/trpc/authorization.ts,
 * run.ts), for scripts/mutation-reasons.mjs. Run of 2026-12-04.
 */
const AUTHZ = "src/trpc/authorization.ts";
const RUN = "src/trpc/run.ts";

const BY_POLICY_EDGES =
  "Killed by test/trpc/policy-edges.test.ts (re-applied by hand; the run predates that file).";
const BY_RUN_EDGES =
  "Killed by test/trpc/run-edges.test.ts (re-applied by hand; the run predates that file).";

export const TRPC_REASONS = {
  [`${AUTHZ}:62`]:
    "Killed by test/trpc/authorization.test.ts when applied by hand (`requireOrganization()` then throws while the router is built). Reported Survived because that router is built in beforeAll, before the runner activates a mutant per test: like a static mutant.",
  [`${AUTHZ}:117`]: BY_POLICY_EDGES,
  [`${AUTHZ}:119`]: BY_POLICY_EDGES,
  [`${AUTHZ}:120`]: BY_POLICY_EDGES,
  [`${AUTHZ}:125`]:
    "Equivalent in result: with `checked` false from the start, a middleware made with `{ auth }` looks the name up once more at the first request and finds it, as at construction.",
  [`${AUTHZ}:127`]:
    "Equivalent: tRPC always passes a middleware a `ctx` object, so `opts.ctx?.auth` and `opts.ctx.auth` read the same.",
  [`${AUTHZ}:128`]: BY_RUN_EDGES,
  [`${AUTHZ}:130`]:
    "Equivalent in result: the first-request name lookup runs again on every request and finds the same policy.",
  [`${AUTHZ}:133`]: BY_POLICY_EDGES,
  [`${AUTHZ}:142`]: BY_POLICY_EDGES,
  [`${AUTHZ}:144`]: BY_POLICY_EDGES,
  [`${AUTHZ}:145`]: BY_POLICY_EDGES,
  [`${RUN}:25`]:
    "Equivalent: the fallback is never reached; every middleware's check calls `require()`, which rejects a request without a token, so `auth.token` is a string here.",
  [`${RUN}:27`]: BY_RUN_EDGES,
  [`${RUN}:34`]: BY_RUN_EDGES,
  [`${RUN}:38`]: BY_RUN_EDGES,
  [`${RUN}:56`]:
    "Equivalent: splitting on single whitespace characters leaves empty pieces between a run of them, and `if (s)` drops those, so the list is the same (test/trpc/run-edges.test.ts pins the result).",
  [`${RUN}:60`]: BY_RUN_EDGES,
};
