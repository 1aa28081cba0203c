/**
 * Reasons for the survivors of the tRPC adapter's middlewares (src/trpc/authorization.ts,
 * run.ts), for scripts/mutation-reasons.mjs. Run of 2026-12-04.
 */
const AUTHZ = "src/trpc/authorization.ts";
const RUN = "src/trpc/run.ts";

const BY_POLICY_EDGES =
  "Killed by test/trpc/policy-edges.test.ts (re-applied by hand; the run predates that file).";
const OPEN_RUN =
  "Open: not triaged yet beyond reading (end of session 2026-12-04); needs a test through a tRPC caller.";

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
  [`${AUTHZ}:128`]:
    "Open: fails closed either way (a 500), but with a TypeError as cause instead of the ConfigurationError of a context that createAuthContext did not make; a test needs a caller whose context has no `auth` (typed apart from the middleware's context).",
  [`${AUTHZ}:130`]:
    "Equivalent in result: the first-request name lookup runs again on every request and finds the same policy.",
  [`${AUTHZ}:133`]: BY_POLICY_EDGES,
  [`${AUTHZ}:142`]: BY_POLICY_EDGES,
  [`${AUTHZ}:144`]: BY_POLICY_EDGES,
  [`${AUTHZ}:145`]: BY_POLICY_EDGES,
  [`${RUN}:25`]: OPEN_RUN,
  [`${RUN}:27`]: OPEN_RUN,
  [`${RUN}:34`]: OPEN_RUN,
  [`${RUN}:38`]: OPEN_RUN,
  [`${RUN}:56`]: OPEN_RUN,
  [`${RUN}:60`]: OPEN_RUN,
};
