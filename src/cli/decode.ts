/** A JSON object from a token, not verified. */
export type Json = Record<string, unknown>;

/**
 * What a token looks like, decoded WITHOUT any check: nothing here is trusted. The signature is
 * never kept, only whether there is one.
 */
export type Decoded =
  | { kind: "opaque"; length: number }
  | { kind: "jwe"; header: Json | undefined }
  | { kind: "malformed"; problem: string }
  | { kind: "jws"; header: Json; payload: Json; signed: boolean };

const SEGMENT = /^[A-Za-z0-9_-]*$/;

/** Decodes one base64url segment into a JSON object, or a description of what is wrong. */
function segment(text: string, name: string): Json | string {
  if (!SEGMENT.test(text)) return `the ${name} is not base64url`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
  } catch {
    return `the ${name} is not JSON`;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return `the ${name} is not a JSON object`;
  }
  return parsed as Json;
}

/** Decodes `token` without verifying anything. */
export function decodeToken(token: string): Decoded {
  const parts = token.split(".");
  if (parts.length === 1) return { kind: "opaque", length: token.length };
  if (parts.length === 5) {
    const header = segment(parts[0] ?? "", "header");
    return { kind: "jwe", header: typeof header === "string" ? undefined : header };
  }
  if (parts.length !== 3) {
    return {
      kind: "malformed",
      problem: `it has ${parts.length} dot-separated parts; a JWT has 3 (signed) or 5 (encrypted)`,
    };
  }
  const [h = "", p = "", s = ""] = parts;
  const header = segment(h, "header");
  if (typeof header === "string") return { kind: "malformed", problem: header };
  const payload = segment(p, "payload");
  if (typeof payload === "string") return { kind: "malformed", problem: payload };
  if (!SEGMENT.test(s)) return { kind: "malformed", problem: "the signature is not base64url" };
  return { kind: "jws", header, payload, signed: s !== "" };
}

/** The `aud` claim as a list (empty when absent or malformed). */
export function audiences(payload: Json): string[] {
  const { aud } = payload;
  if (typeof aud === "string") return [aud];
  if (Array.isArray(aud)) return aud.filter((a): a is string => typeof a === "string");
  return [];
}
