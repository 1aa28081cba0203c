/**
 * Why a mutant survives, for MUTATION.md (scripts/mutation-summary.mjs). Key:
 * "file:line:Mutator:replacement", "file:line:Mutator" or "file:line". A reason says either
 * which test now kills it (then it should not survive the next run) or why the mutant is
 * equivalent (no input can tell it from the original).
 */
export const REASONS = {};

/** What the last run covered, printed at the top of MUTATION.md. */
export const RUN_NOTES = [];
