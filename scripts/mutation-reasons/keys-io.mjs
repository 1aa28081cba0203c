/**
 * Reasons for the survivors of the signature check (src/core/signature.ts) and the Redis
 * replay store (src/redis/index.ts), for scripts/mutation-reasons.mjs. Runs of 2026-12-04.
 */
const SIG = "src/core/signature.ts";
const REDIS = "src/redis/index.ts";

const SIG_CACHE =
  "Equivalent in result: the import cache (per JWK object, per thumbprint for proof keys, per algorithm on the jose path) only saves work; without it, or with its bound moved, each key is imported again and verifies the same.";

export const KEYS_IO_REASONS = {
  [`${SIG}:30`]:
    'Equivalent: `createPublicKey` only returns public keys (it derives the public half of a private JWK), so `key.type !== "public"` cannot be true; the check is kept as a guard should that change.',
  [`${SIG}:36`]: SIG_CACHE,
  [`${SIG}:37`]: SIG_CACHE,
  [`${SIG}:81`]: SIG_CACHE,
  [`${SIG}:86`]: SIG_CACHE,
  [`${SIG}:124:ConditionalExpression:false`]:
    "Open: needs a runtime whose WebCrypto lacks an algorithm that jose knows (a DOMException NotSupportedError, e.g. Ed25519 on an old runtime); on Node 20–24 jose reports a missing algorithm itself (ERR_JOSE_NOT_SUPPORTED), which the test covers.",
  [`${SIG}:124:StringLiteral:""`]:
    'Open for the reason of the `false || …` mutant on this line: `e?.name === ""` misses a WebCrypto NotSupportedError, which Node 20–24 never raise here.',
  [`${REDIS}:171`]:
    "Equivalent: the default of `command` never applies, since every call passes SET first.",
  [`${REDIS}:266`]:
    'Equivalent: `typeof ttlSeconds !== "number"` is implied by the next test, `!Number.isFinite(ttlSeconds)`, which is true for anything that is not a number.',
};
