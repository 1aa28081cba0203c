import { ASYMMETRIC_ALGORITHMS, type AuthErrorReason } from "scopegate";
import type { Json } from "./decode.js";
import { shown } from "./format.js";

/** One thing `inspect` has to say about a token. */
export interface Finding {
  /** `problem`: the configured API refuses the token; `note`: worth knowing, not fatal. */
  readonly level: "problem" | "note";
  /** The `AuthError.reason` scopegate would report for this problem. */
  readonly reason?: AuthErrorReason;
  /** One line: what is wrong. */
  readonly title: string;
  /** Why, and how to fix it. */
  readonly detail: string;
}

/** scopegate's default `clockTolerance`, in seconds. */
export const CLOCK_TOLERANCE = 5;

const ACCESS_TYPES = new Set(["jwt", "at+jwt"]);

/** A finding that makes the API refuse the token with `reason`. */
export const problem = (reason: AuthErrorReason, title: string, detail: string): Finding => ({
  level: "problem",
  reason,
  title,
  detail,
});
/** A finding worth knowing that does not make the token fail. */
export const note = (title: string, detail: string): Finding => ({ level: "note", title, detail });

/** Problems of the JOSE header, in the order scopegate checks them. */
export function headerFindings(header: Json): Finding[] {
  const { alg, typ, cty, crit, b64 } = header;
  const out: Finding[] = [];
  if (alg === "none") {
    out.push(
      problem("algorithm_not_allowed", 'unsigned token (alg "none")', "Anyone can forge it."),
    );
  } else if (typeof alg === "string" && /^HS\d+$/.test(alg)) {
    out.push(
      problem(
        "algorithm_not_allowed",
        `symmetric algorithm (alg ${shown(alg)})`,
        "Signed with a shared secret: whoever can verify it can also mint it, so scopegate accepts public-key signatures only. In Auth0: Applications → APIs → your API → Settings → Signing Algorithm RS256.",
      ),
    );
  } else if (typeof alg !== "string" || !ASYMMETRIC_ALGORITHMS.includes(alg)) {
    out.push(
      problem(
        "algorithm_not_allowed",
        `algorithm ${shown(alg)} is not accepted`,
        `Accepted: ${ASYMMETRIC_ALGORITHMS.join(", ")}.`,
      ),
    );
  }
  const type = typeof typ === "string" ? typ.toLowerCase().replace(/^application\//, "") : typ;
  if (type === "dpop+jwt") {
    out.push(
      problem(
        "wrong_token_type",
        'this is a DPoP proof (typ "dpop+jwt"), not an access token',
        "Send the proof in the DPoP header and the access token as `Authorization: DPoP <access token>`.",
      ),
    );
  } else if (type !== undefined && (typeof type !== "string" || !ACCESS_TYPES.has(type))) {
    out.push(
      problem(
        "wrong_token_type",
        `typ ${shown(typ)} is not an access-token type`,
        'Access tokens have typ "JWT" or "at+jwt" (RFC 9068), or none.',
      ),
    );
  }
  if (cty !== undefined) {
    out.push(problem("nested_token", `nested token (cty ${shown(cty)})`, "Not accepted."));
  }
  if (crit !== undefined || b64 !== undefined) {
    out.push(
      problem("unsupported_header", "unsupported JWS extension (crit / b64)", "Not accepted."),
    );
  }
  return out;
}
