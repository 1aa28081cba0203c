/**
 * Why a mutant survives, for MUTATION.md (scripts/mutation-summary.mjs). Key:
 * "file:line:Mutator:replacement", "file:line:Mutator" or "file:line". A reason says either
 * which test now kills it (then it should not survive the next run) or why the mutant is
 * equivalent (no input can tell it from the original).
 */
import { ACCESS_REASONS } from "./mutation-reasons/access.mjs";
import { KEYS_IO_REASONS } from "./mutation-reasons/keys-io.mjs";
import { REPLAY_REASONS } from "./mutation-reasons/replay.mjs";
import { TRPC_REASONS } from "./mutation-reasons/trpc.mjs";

/** Reasons shared by several survivors. */
const KNOWN_TOKEN_FAST_PATH =
  "Equivalent in result: the fast path for a token the cache already knows. When it misses, parseAuthorization returns the same credentials for that token (it was parsed by it before it was cached), and a mangled slice is never a cached token (the cache compares whole tokens).";
const FAST_PATH =
  "Equivalent in result: a fast path. Without it (or when it misses) the general parser below returns the same credentials or the same refusal; only the work differs (bench/, not a test, measures it).";
const BY_TOKEN_TESTS =
  'Killed by test/core/token.test.ts "Authorization edges found by mutation testing" (re-applied by hand; the report predates that test).';
const STATIC_TOKEN =
  "Static mutant (a module-level constant): Stryker's vitest runner activates a mutant per test, after the module has been evaluated, so the constant is never mutated and the result says nothing. Re-applied by hand: test/core/token.test.ts fails on it.";
const BY_CLAIMS_TESTS =
  "Killed by test/core/claims.test.ts (exact descriptions and the ID-token hint per claim; re-applied by hand, the report predates that test).";
const BY_SCOPE_TESTS =
  'Killed by test/core/verify.test.ts "scp alone counts; array entries that are not one scope name … are ignored" (re-applied by hand; the report predates that test).';
const BY_SCHEME_TESTS =
  'Killed by test/core/dpop.test.ts "scheme rules: reasons and whitespace" (re-applied by hand; the report predates that test).';
const STATIC_SHAPE_EQUIVALENT =
  "Equivalent in result (a static mutant, so checked by hand): dropping a `+` only makes the JWS-shape fast path miss real tokens, and the general b64token check then gives the same answer.";
const STATIC_JWS =
  "Static mutant (a module-level constant): reported Survived by the vitest runner, but test/core/jws.test.ts fails on it when the change is made by hand.";
const BY_JWS_TESTS =
  'Killed by test/core/jws.test.ts "decodeJws (internal), with and without Buffer" (re-applied by hand; the report predates the added cases).';

const BY_DPOP_EDGES =
  "Killed by test/core/dpop-edges.test.ts (each DPoP refusal at its edge, with its exact description; re-applied by hand, the run predates that file).";
const STATIC_DPOP =
  'Static mutant (a module-level constant): reported Survived by the vitest runner, but test/core/dpop-edges.test.ts "a jwk with the private member %s is refused" fails on it when the change is made by hand.';
const DPOP_HTU_EITHER =
  "Equivalent: either half of `expected === undefined || given === undefined` is enough, since `given !== expected` then refuses the other case (a defined value is never equal to undefined); only both removed lets two undefined URLs through, which the htu rows of test/core/dpop.test.ts catch.";

const BY_VERIFY_EDGES =
  "Killed by test/core/verify-edges.test.ts (re-applied by hand; the run predates that file).";
const BY_VERIFY_EDGES_WEBCRYPTO =
  "Killed by test/core/verify-edges.test.ts in vitest's webcrypto project (re-applied by hand). Not covered under the mutation config, which runs the node project only: this is the WebCrypto (asynchronous) path.";
const VERIFY_CACHE_SHORTER =
  "Equivalent in result: it only ends a cached verification earlier; the token is then verified again under the same claim rules (clockTolerance included), with the same answer.";
const VERIFY_SYNC_WRAPPED =
  "Equivalent in result: a synchronous result wrapped in a promise; every caller accepts either (MaybePromise), and the value is the same.";
const VERIFY_MEMO =
  "Equivalent in result: the memo of verified token headers; without it (or set again) the header is decoded and checked again, with the same answer.";
const VERIFY_REVERIFY =
  "Equivalent in result: a cached verification whose key set was reloaded is dropped instead of kept, and the token is verified again against the same keys, with the same answer (one more signature check).";

const BY_KEYS_EDGES =
  "Killed by test/core/keys-edges.test.ts (re-applied by hand; the run predates that file).";
const BY_ERRORS_EDGES =
  "Killed by test/core/errors-edges.test.ts (re-applied by hand; the run predates that file).";

export const REASONS = {
  ...REPLAY_REASONS,
  ...ACCESS_REASONS,
  ...KEYS_IO_REASONS,
  ...TRPC_REASONS,
  "src/core/errors.ts:124": BY_ERRORS_EDGES,
  "src/core/errors.ts:126":
    "Equivalent: the default challenge options have no DPoP algorithms, and dpopOnly is read only when there are some.",
  "src/core/errors.ts:166": BY_ERRORS_EDGES,
  "src/core/errors.ts:186":
    "Equivalent in result: the memo of the last challenge options applied; building the challenge again from the same options gives the same headers.",
  "src/core/errors.ts:267": BY_ERRORS_EDGES,
  "src/core/errors.ts:289":
    "Equivalent in result: the class test is a fast path; an AuthError of this copy has every member the shape test below checks.",
  "src/core/errors.ts:293":
    'Killed by test/core/errors-edges.test.ts "recognises an AuthError of another copy by its shape…": each case breaks one member, so every weakened `&&` chain accepts one of them (re-applied by hand for each test removed; the run predates that file).',
  "src/core/errors.ts:296": BY_ERRORS_EDGES,
  "src/core/errors.ts:297": BY_ERRORS_EDGES,
  "src/core/errors.ts:298": BY_ERRORS_EDGES,
  "src/core/errors.ts:299": BY_ERRORS_EDGES,
  "src/core/errors.ts:322": BY_ERRORS_EDGES,
  "src/core/errors.ts:331": BY_ERRORS_EDGES,
  "src/core/errors.ts:332": BY_ERRORS_EDGES,
  "src/core/errors.ts:340": BY_ERRORS_EDGES,
  "src/core/errors.ts:343": BY_ERRORS_EDGES,
  "src/core/errors.ts:344": BY_ERRORS_EDGES,
  "src/core/errors.ts:361": BY_ERRORS_EDGES,
  "src/core/errors.ts:371": BY_ERRORS_EDGES,
  "src/core/errors.ts:375": BY_ERRORS_EDGES,
  "src/core/errors.ts:389": BY_ERRORS_EDGES,
  "src/core/errors.ts:390": BY_ERRORS_EDGES,
  "src/core/keys.ts:37":
    "Equivalent: the initial value only has to differ from every real key of ignored kids (quoted JSON strings or `(no kid)`, comma-joined); `Stryker was here!` is no such key either.",
  "src/core/keys.ts:51": BY_KEYS_EDGES,
  "src/core/keys.ts:60": BY_KEYS_EDGES,
  "src/core/keys.ts:142":
    "Equivalent: with no ignored keys, reportDropped's key is the empty string, which equals its initial `lastDropped`, so it returns without a warning anyway (test/core/keys-edges.test.ts 'a key set with nothing to ignore is not reported' shows it).",
  "src/core/keys.ts:150":
    "Equivalent: generations are only compared for equality (keyStillPublished), and counting down gives distinct values just as counting up does.",
  "src/core/keys.ts:175:ConditionalExpression":
    "Equivalent: an `oct` key without `k` (with `k` the private-member check drops it) is dropped by keyWithinBounds, which knows no `oct` curve; the line is a clear early exit.",
  "src/core/keys.ts:175:StringLiteral":
    "Equivalent: an `oct` key without `k` (with `k` the private-member check drops it) is dropped by keyWithinBounds, which knows no `oct` curve; the line is a clear early exit.",
  "src/core/keys.ts:53": BY_KEYS_EDGES,
  "src/core/keys.ts:56": BY_KEYS_EDGES,
  "src/core/keys.ts:73": BY_KEYS_EDGES,
  "src/core/keys.ts:74": BY_KEYS_EDGES,
  "src/core/keys.ts:75": BY_KEYS_EDGES,
  "src/core/keys.ts:82": BY_KEYS_EDGES,
  "src/core/keys.ts:92": BY_KEYS_EDGES,
  "src/core/keys.ts:105": BY_KEYS_EDGES,
  "src/core/keys.ts:106": BY_KEYS_EDGES,
  "src/core/keys.ts:124": BY_KEYS_EDGES,
  "src/core/keys.ts:156": BY_KEYS_EDGES,
  "src/core/keys.ts:157":
    "Equivalent: the key only tells one set of ignored keys from another, and each part is a JSON string (quoted) or `(no kid)`, so joining without a separator is as unambiguous.",
  "src/core/keys.ts:158": BY_KEYS_EDGES,
  "src/core/keys.ts:161": BY_KEYS_EDGES,
  "src/core/keys.ts:174:BooleanLiteral": BY_KEYS_EDGES,
  "src/core/keys.ts:174":
    "Equivalent: redundant guards. parseJwks drops entries that are not objects (the option schema refuses them in a static set), and keyWithinBounds refuses any kty but RSA, EC and OKP, a missing one included; test/core/keys-edges.test.ts 'a fetched JWKS that is not all keys' gives the same report without them (re-applied by hand).",
  "src/core/keys.ts:175": BY_KEYS_EDGES,
  "src/core/keys.ts:177": BY_KEYS_EDGES,
  "src/core/keys.ts:183": BY_KEYS_EDGES,
  "src/core/keys.ts:184": BY_KEYS_EDGES,
  "src/core/verify.ts:42":
    "Equivalent in result: Verifier.verify's callers (the engine's check in auth.ts, for Auth.verify and every request context) turn any non-AuthError into this same 500, with the same description and the cause kept (toAuthError); verify.ts's own wrap is defence in depth.",
  "src/core/verify.ts:43": BY_VERIFY_EDGES,
  "src/core/verify.ts:74":
    'Static mutant (a module-level constant): reported Survived by the vitest runner, but test/core/verify-edges.test.ts "strict requires %s" fails on each when the change is made by hand.',
  "src/core/verify.ts:87": VERIFY_MEMO,
  "src/core/verify.ts:104": BY_VERIFY_EDGES,
  "src/core/verify.ts:131": BY_VERIFY_EDGES,
  "src/core/verify.ts:156": VERIFY_SYNC_WRAPPED,
  "src/core/verify.ts:173:ConditionalExpression:false": BY_VERIFY_EDGES,
  "src/core/verify.ts:173:EqualityOperator": BY_VERIFY_EDGES,
  "src/core/verify.ts:173:BlockStatement": BY_VERIFY_EDGES,
  "src/core/verify.ts:173:ConditionalExpression:true":
    "Equivalent in result: a joiner whose flight failed for another reason verifies on its own instead of sharing the failure; it gets the same refusal (one more verification).",
  "src/core/verify.ts:173:LogicalOperator":
    "Equivalent in result: without a resolver the accepted issuers are the same for every request, so a joiner that verifies on its own after an issuer refusal is refused the same way.",
  "src/core/verify.ts:179": BY_VERIFY_EDGES,
  "src/core/verify.ts:186":
    "Equivalent in result: isCached() only chooses the known-token fast path of the Authorization parser; when it says no, the general parser returns the same credentials.",
  "src/core/verify.ts:196":
    "Equivalent in result: the same-generation shortcut; the kid check below then keeps the entry for a token with a kid, and a kid-less one is verified again with the same answer.",
  "src/core/verify.ts:197": VERIFY_REVERIFY,
  "src/core/verify.ts:199": VERIFY_REVERIFY,
  "src/core/verify.ts:202:ConditionalExpression:true":
    "Equivalent: `Promise.resolve(x).catch(() => {})` on a key set that is not a promise does nothing.",
  "src/core/verify.ts:202:ConditionalExpression:false": BY_VERIFY_EDGES,
  "src/core/verify.ts:204": BY_VERIFY_EDGES,
  "src/core/verify.ts:216": BY_VERIFY_EDGES,
  "src/core/verify.ts:230":
    "Equivalent: run() without `shaped` is called only from join(), for a token whose flight was refused for its issuer, that is after decodeJws had accepted it; the segment checks `shaped` skips pass for it anyway.",
  "src/core/verify.ts:256": BY_VERIFY_EDGES,
  "src/core/verify.ts:257": BY_VERIFY_EDGES,
  "src/core/verify.ts:272": BY_VERIFY_EDGES,
  "src/core/verify.ts:275": BY_VERIFY_EDGES,
  "src/core/verify.ts:303":
    'Killed by test/core/verify-edges.test.ts "a kid shared by 5 keys…" after the fix this survivor found: the 3-key bound applied to kid-less tokens only, so a JWKS repeating one kid made a forged token cost a verification per key. Every token is now tried against at most 3 candidates (the kid condition is gone); removing the bound fails that test (re-applied by hand).',
  "src/core/verify.ts:308": VERIFY_SYNC_WRAPPED,
  "src/core/verify.ts:340": VERIFY_MEMO,
  "src/core/verify.ts:348": BY_VERIFY_EDGES,
  "src/core/verify.ts:349:MethodExpression": BY_VERIFY_EDGES,
  "src/core/verify.ts:349:ArithmeticOperator": VERIFY_CACHE_SHORTER,
  "src/core/verify.ts:351": VERIFY_CACHE_SHORTER,
  "src/core/verify.ts:376": BY_VERIFY_EDGES,
  "src/core/verify.ts:380": VERIFY_SYNC_WRAPPED,
  "src/core/verify.ts:384": BY_VERIFY_EDGES_WEBCRYPTO,
  "src/core/verify.ts:385": BY_VERIFY_EDGES_WEBCRYPTO,
  "src/core/verify.ts:386": BY_VERIFY_EDGES_WEBCRYPTO,
  "src/core/verify.ts:392": BY_VERIFY_EDGES,
  "src/core/verify.ts:393": BY_VERIFY_EDGES,
  "src/core/verify.ts:402":
    "Equivalent: unreachable. resolveIssuers() is called only when there is no static issuer list, and createAuth then requires a resolver.",
  "src/core/verify.ts:410": BY_VERIFY_EDGES,
  "src/core/verify.ts:411": BY_VERIFY_EDGES,
  "src/core/dpop.ts:54": STATIC_DPOP,
  "src/core/dpop.ts:76":
    "Equivalent in result: the memo of normalised request URLs; recomputing normalizeHtu(url) every time gives the same URL.",
  "src/core/dpop.ts:91": BY_DPOP_EDGES,
  "src/core/dpop.ts:92": BY_DPOP_EDGES,
  "src/core/dpop.ts:104": BY_DPOP_EDGES,
  "src/core/dpop.ts:105":
    "Equivalent in result: the header memo lookup inside decodeJws; without it the header segment is decoded and checked again, with the same answer.",
  "src/core/dpop.ts:113": BY_DPOP_EDGES,
  "src/core/dpop.ts:122": BY_DPOP_EDGES,
  "src/core/dpop.ts:123":
    "Equivalent in result: whether a verified proof header is put in the memo. Not storing it (or storing it again) only makes the next proof of that key run checkProofHeader again, which gives the same answer.",
  "src/core/dpop.ts:126": BY_DPOP_EDGES,
  "src/core/dpop.ts:132":
    "Equivalent: `htm` is a string here (checked just above), so `htm !== ctx.method` is already true when the request method is undefined.",
  "src/core/dpop.ts:136":
    "Equivalent in result: the shortcut for an `htu` equal to the request URL; normalizeHtu(htu) of that same URL gives the memoised `expected`.",
  "src/core/dpop.ts:137": DPOP_HTU_EITHER,
  "src/core/dpop.ts:141": BY_DPOP_EDGES,
  "src/core/dpop.ts:142": BY_DPOP_EDGES,
  "src/core/dpop.ts:169": BY_DPOP_EDGES,
  "src/core/dpop.ts:170": BY_DPOP_EDGES,
  "src/core/dpop.ts:176": BY_DPOP_EDGES,
  "src/core/dpop.ts:181": BY_DPOP_EDGES,
  "src/core/dpop.ts:182": BY_DPOP_EDGES,
  "src/core/dpop.ts:185": BY_DPOP_EDGES,
  "src/core/dpop.ts:201": BY_DPOP_EDGES,
  "src/core/dpop.ts:211": BY_DPOP_EDGES,
  "src/core/nonce.ts:47:ArithmeticOperator":
    "Equivalent: the high 16 bits of the period are 0 for every period below 2^32 (ms / rotation until the year 2106 at rotation 1 s), and `period * 2 ** 32` written with setUint16 is 0 too (a multiple of 2^16). Beyond that both versions still agree with themselves (current() and isValid() use the same make()), and a nonce is opaque to clients.",
  "src/core/nonce.ts:59:ConditionalExpression":
    "Equivalent: the cache only saves an HMAC; recomputing the current period's nonce on every call returns the same value (make() is deterministic).",
  "src/core/nonce.ts:63:ConditionalExpression":
    "Equivalent in result: a cheap early exit before the HMACs. The library calls isValid() only with a string (dpop.ts:149 checks typeof first), and a nonce of another length is refused anyway — safeEqual() returns false on a length mismatch (crypto.ts) — so only the work differs, which a test cannot see without mocking the crypto.",
  "src/core/claims.ts:14:ConditionalExpression":
    'Equivalent: `Number.isFinite` is false for every non-number (it does not coerce), so `typeof v === "number" &&` in front of it decides nothing; it is there for the type guard.',
  "src/core/claims.ts:46:ConditionalExpression":
    'Equivalent: `rules.audience` holds strings only (the option schema), and `includes` compares with SameValueZero, so a non-string `aud` entry never matches with or without the `typeof a === "string"` test.',
  "src/core/scopes.ts:18:ConditionalExpression:false":
    "Equivalent: without the early return a token with neither `scope` nor `scp` gets a new empty Set instead of the shared EMPTY one; the sets are only ever asked `has()`, never compared by identity or exposed.",
  "src/core/token.ts:52": KNOWN_TOKEN_FAST_PATH,
  "src/core/token.ts:53": KNOWN_TOKEN_FAST_PATH,
  "src/core/token.ts:54": KNOWN_TOKEN_FAST_PATH,
  "src/core/token.ts:55": KNOWN_TOKEN_FAST_PATH,
  "src/core/token.ts:56": KNOWN_TOKEN_FAST_PATH,
  "src/core/token.ts:58": KNOWN_TOKEN_FAST_PATH,
  "src/core/token.ts:84": FAST_PATH,
  "src/core/token.ts:85": FAST_PATH,
  "src/core/token.ts:87": FAST_PATH,
  "src/core/token.ts:88": FAST_PATH,
  "src/core/token.ts:90": FAST_PATH,
  "src/core/token.ts:62": BY_TOKEN_TESTS,
  "src/core/token.ts:69": BY_TOKEN_TESTS,
  "src/core/token.ts:92": BY_TOKEN_TESTS,
  "src/core/token.ts:95": BY_TOKEN_TESTS,
  "src/core/token.ts:105": BY_TOKEN_TESTS,
  "src/core/token.ts:116": BY_TOKEN_TESTS,
  "src/core/token.ts:130": BY_TOKEN_TESTS,
  "src/core/token.ts:131": BY_TOKEN_TESTS,
  "src/core/token.ts:27": STATIC_TOKEN,
  "src/core/token.ts:37": STATIC_TOKEN,
  "src/core/claims.ts:27": BY_CLAIMS_TESTS,
  "src/core/claims.ts:31": BY_CLAIMS_TESTS,
  "src/core/claims.ts:32": BY_CLAIMS_TESTS,
  "src/core/claims.ts:35": BY_CLAIMS_TESTS,
  "src/core/claims.ts:36": BY_CLAIMS_TESTS,
  "src/core/claims.ts:39": BY_CLAIMS_TESTS,
  "src/core/claims.ts:40": BY_CLAIMS_TESTS,
  "src/core/claims.ts:42": BY_CLAIMS_TESTS,
  "src/core/claims.ts:50": BY_CLAIMS_TESTS,
  "src/core/claims.ts:51": BY_CLAIMS_TESTS,
  "src/core/claims.ts:52": BY_CLAIMS_TESTS,
  "src/core/scopes.ts:9": BY_SCOPE_TESTS,
  "src/core/scopes.ts:18": BY_SCOPE_TESTS,
  "src/core/scopes.ts:30": BY_SCOPE_TESTS,
  "src/core/check.ts:38": BY_SCHEME_TESTS,
  "src/core/check.ts:73": BY_SCHEME_TESTS,
  "src/core/check.ts:91": BY_SCHEME_TESTS,
  "src/core/token.ts:29:Regex:/[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$/": STATIC_TOKEN,
  "src/core/token.ts:29:Regex:/^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+/": STATIC_TOKEN,
  "src/core/token.ts:29:Regex:/^[A-Za-z0-9_-]\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$/":
    STATIC_SHAPE_EQUIVALENT,
  "src/core/token.ts:29:Regex:/^[^A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$/": STATIC_TOKEN,
  "src/core/token.ts:29:Regex:/^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]\\.[A-Za-z0-9_-]+$/":
    STATIC_SHAPE_EQUIVALENT,
  "src/core/token.ts:29:Regex:/^[A-Za-z0-9_-]+\\.[^A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$/": STATIC_TOKEN,
  "src/core/token.ts:29:Regex:/^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]$/":
    STATIC_SHAPE_EQUIVALENT,
  "src/core/token.ts:29:Regex:/^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[^A-Za-z0-9_-]+$/": STATIC_TOKEN,
  "src/core/jws.ts:14": STATIC_JWS,
  "src/core/jws.ts:29": STATIC_JWS,
  "src/core/jws.ts:27": BY_JWS_TESTS,
  "src/core/jws.ts:76:UnaryOperator": BY_JWS_TESTS,
  "src/core/jws.ts:76:ConditionalExpression":
    "Equivalent: `first === -1` implies `second === -1` (the search for the second dot starts after the first), and `second === -1` implies that the third test (a dot after position 0) finds the first dot; either part alone decides the same.",
  "src/core/jws.ts:76:LogicalOperator":
    'Equivalent: with `&&`, a token with one dot still enters the branch through the third test (`indexOf(".", 0)` finds that dot), and one without dots through both; same answer.',
  "src/core/jws.ts:34":
    "Equivalent: `atob` is forgiving-base64 (WHATWG), which accepts input without its `=` padding, so the padding computed here changes nothing (checked by hand: the tests pass without it).",
  "src/core/jws.ts:36": "Equivalent: writing one index past the end of a Uint8Array is ignored.",
  "src/core/jws.ts:32":
    "Equivalent in result: without the Buffer fast path every runtime takes the atob path, which test/core/jws.test.ts shows gives the same bytes; only the speed differs.",
  "src/core/jws.ts:46":
    "Equivalent in result: the Buffer decode is a fast path; the fatal TextDecoder gives the same text for valid UTF-8 and refuses invalid UTF-8 either way.",
  "src/core/jws.ts:48":
    "Equivalent in result: the U+FFFD test only decides whether the fatal TextDecoder runs again; it returns the same text for valid UTF-8.",
  "src/core/jws.ts:59":
    "Equivalent: an empty `catch {}` returns undefined just as `return undefined` does.",
  "src/core/jws.ts:56":
    "Equivalent: `value !== null` → `true` lets `null` through as the object, and the caller's `if (!payload)` / `if (!header)` refuses it with the same message.",
  "src/core/token-header.ts:5:StringLiteral":
    'Killed by test/core/token-header.test.ts "typ: JWT, at+jwt and application/at+jwt (any case) are access-token types" (3 tests fail with `"at+jwt"` → `""`, checked by hand). It shows as survived because the incremental re-run reused this static mutant\'s result from the run before that test existed.',
};

export { RUN_NOTES } from "./mutation-reasons/notes.mjs";
