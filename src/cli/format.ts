/** A span of seconds in words: `"45 s"`, `"5 min"`, `"3 h"`, `"2 days"`. */
export function span(seconds: number): string {
  const s = Math.abs(seconds);
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 59.5 * 60) return `${Math.round(s / 60)} min`;
  if (s < 48 * 3600) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} days`;
}

/** `"in 5 min"` or `"3 h ago"`, relative to `now` (both in seconds since the epoch). */
export function relative(time: number, now: number): string {
  return time >= now ? `in ${span(time - now)}` : `${span(now - time)} ago`;
}

/** ISO 8601 date of a NumericDate, or `undefined` when it is not a usable time. */
export function isoDate(time: unknown): string | undefined {
  if (typeof time !== "number" || !Number.isFinite(time)) return undefined;
  const date = new Date(time * 1000);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/**
 * A value from the token, quoted as JSON: safe to print (control characters, and so terminal
 * escape sequences, are escaped) and clearly delimited.
 */
export function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** Pretty JSON, indented by `indent` spaces on every line. */
export function block(value: unknown, indent = 2): string {
  const pad = " ".repeat(indent);
  return (JSON.stringify(value, null, 2) ?? String(value))
    .split("\n")
    .map((line) => pad + line)
    .join("\n");
}
