/**
 * Reasons for the survivors of src/core/replay.ts (the memory DPoP replay store), for
 * scripts/mutation-reasons.mjs. Run of 2026-12-04: 53 survived, 1 not covered.
 */
const F = "src/core/replay.ts";
const EDGES =
  "Killed by test/core/replay-store-edges.test.ts (re-applied by hand; the run predates that file).";
const SWEEP =
  'Killed by test/core/replay-store-edges.test.ts "matches the reference model through hundreds of sweeps in place": a sweep that starts at an occupied slot or skips one loses a live key of a wrapped probe chain, so a replay of that proof would be accepted; the audit re-adds every live key after each table pass (re-applied by hand; the run predates it).';
const CLOCK_BACK =
  'Killed by test/core/replay-store-edges.test.ts "a clock set back past the window revives expired entries: the store fails closed, never hangs" (exactly 28 adds, the last refused with Retry-After 1; re-applied by hand).';
const LOAD =
  'Killed by test/core/replay-store-edges.test.ts "at its largest size a sweep comes at most once per eighth of the table\'s inserts" (a half-full limit at the largest size sweeps every few inserts; re-applied by hand).';
const SLOT_CHOICE =
  "Equivalent in result: which free slot a new key takes (the first expired one of its chain, a later one, or the empty slot at the chain's end). Every choice keeps the key findable, since lookups walk the whole chain to an empty slot; only how soon the table needs a pass differs. Checked by hand against the reference model with its audit.";
const PASS_SHORTCUT =
  "Equivalent in result: `pass` only keeps the live count by expiry second; this guard or loop bound picks the cheaper of two ways to drop the seconds that passed, or skips work when nothing expired. Either way the same buckets leave `live` (the reference model agrees, checked by hand).";
const HASH =
  "Equivalent in result: a change to the fingerprint's loop over the key's UTF-16 units that still gives every key one fixed fingerprint (reading past the end gives NaN, which the bit operations turn into 0). Only the hash values differ, not which keys are told apart beyond the 2^-64 collision odds.";
const EXPIRED_EDGE =
  "Equivalent in result: an entry whose expiry second equals the fractional `now` is expired either way (the replay test is `e > now`); counting or copying it as live only makes a pass keep one more entry until the next.";
const PAST_END =
  "Equivalent: one more loop turn reads the word past the table's end, `undefined`, which compares false and is never written back as an entry.";

export const REPLAY_REASONS = {
  [`${F}:58`]: EDGES,
  [`${F}:60`]: EDGES,
  [`${F}:79`]: `${EDGES} "the table starts at 4 096 slots and never grows past the power of two ≥ 2 × maxEntries": with \`p <= n\` a power of two doubles, and the churn of 2 048 entries then allocates more than 4 096 slots.`,
  [`${F}:125:ConditionalExpression`]:
    'Equivalent: `typeof max !== "number"` is implied by the next test, `!Number.isInteger(max)`, which is true for anything that is not a number.',
  [`${F}:125:EqualityOperator`]: EDGES,
  [`${F}:127`]: EDGES,
  [`${F}:128`]: EDGES,
  [`${F}:181`]: EDGES,
  [`${F}:183`]: EDGES,
  [`${F}:186`]: `${EDGES} "the last recordable second works; the clock at 2^32 s (2106-02-07) fails closed": at exactly 2^32 − 1 s every expiry would already have passed, so a replay would be accepted.`,
  [`${F}:189`]: EDGES,
  [`${F}:196`]: `${EDGES} "a small store allocates only its own bound": the first table is at most 4 096 slots, not the largest size.`,
  [`${F}:201`]: "Equivalent: a TTL of exactly 1 becomes 1 either way.",
  [`${F}:215`]:
    "Equivalent in effect: matches on the fingerprint's low half only, a 32-bit instead of a 64-bit fingerprint. That can only make a fresh proof look like a replay (odds about 2^-32 per pair of keys in one probe chain), never accept a replay; no test can find such a pair without fixing the store's random seeds.",
  [`${F}:220`]: SLOT_CHOICE,
  [`${F}:227`]: SLOT_CHOICE,
  [`${F}:228:EqualityOperator`]: LOAD,
  [`${F}:228:ConditionalExpression:true`]: LOAD,
  [`${F}:228:ConditionalExpression:false`]:
    "Equivalent in result: the three-quarters load limit also while the table can still grow. It grows later (less memory, longer probes until then); every answer is the same (reference model, checked by hand).",
  [`${F}:245`]: "Equivalent: `earliest` is the same when the new expiry equals it.",
  [`${F}:251`]: PASS_SHORTCUT,
  [`${F}:258`]: PASS_SHORTCUT,
  [`${F}:259`]: PASS_SHORTCUT,
  [`${F}:260`]: PASS_SHORTCUT,
  [`${F}:276`]: "Equivalent: the smallest key is the same with `<=`.",
  [`${F}:291`]: HASH,
  [`${F}:298`]: HASH,
  [`${F}:323:EqualityOperator:at <= t.length`]: PAST_END,
  [`${F}:323:EqualityOperator:t[at] as number >= now`]: EXPIRED_EDGE,
  [`${F}:329`]: CLOCK_BACK,
  [`${F}:341`]: PAST_END,
  [`${F}:343`]: EXPIRED_EDGE,
  [`${F}:365`]: SWEEP,
  [`${F}:366`]: PAST_END,
  [`${F}:367`]: EXPIRED_EDGE,
  [`${F}:369`]: SWEEP,
  [`${F}:373`]:
    "Equivalent: moving an empty slot (expiry word 0) writes a 0 expiry into another empty slot; lookups stop at expiry 0 before reading the fingerprint words.",
  [`${F}:376`]: SWEEP,
};
