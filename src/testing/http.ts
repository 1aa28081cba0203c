import type { IncomingMessage, ServerResponse } from "node:http";

/** Largest request body the token endpoint reads. */
export const MAX_BODY_BYTES = 64 * 1024;

/** Headers set on every response, so that a browser page on any origin can call the issuer. */
export const CORS_HEADERS: Readonly<Record<string, string>> = {
  "access-control-allow-origin": "*",
  "access-control-allow-headers": "authorization, dpop, content-type",
  "access-control-allow-methods": "GET, POST, OPTIONS",
};

/** Sends `body` as a JSON response; a string body is sent verbatim. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

/** Result of reading a request body with a size cap. */
export type BodyResult =
  | { ok: true; text: string }
  | { ok: false; reason: "too-large" | "aborted" };

/**
 * Reads the request body as UTF-8, keeping at most `MAX_BODY_BYTES`. A larger body is drained
 * (so a response can still be written) and reported as `too-large`.
 */
export function readBody(req: IncomingMessage): Promise<BodyResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        tooLarge = true;
        chunks.length = 0;
      } else {
        chunks.push(chunk);
      }
    });
    req.on("end", () => {
      resolve(
        tooLarge
          ? { ok: false, reason: "too-large" }
          : { ok: true, text: Buffer.concat(chunks).toString("utf8") },
      );
    });
    req.on("error", () => resolve({ ok: false, reason: "aborted" }));
    req.on("close", () => {
      if (!req.complete) resolve({ ok: false, reason: "aborted" });
    });
  });
}

/** Headers of every token-endpoint answer (RFC 6749 §5.1). */
export const NO_STORE: Readonly<Record<string, string>> = {
  "cache-control": "no-store",
  pragma: "no-cache",
};

/**
 * Reads the body like {@link readBody}; on a body over the cap answers 413 `invalid_request`
 * itself, and on an aborted request answers nothing. `undefined` means "already handled".
 */
export async function readBodyOrReply(
  req: IncomingMessage,
  res: ServerResponse,
): Promise<string | undefined> {
  const body = await readBody(req);
  if (body.ok) return body.text;
  if (body.reason === "too-large") {
    const description = `request body is larger than ${MAX_BODY_BYTES / 1024} KiB`;
    sendJson(
      res,
      413,
      { error: "invalid_request", error_description: description },
      { ...NO_STORE, connection: "close" },
    );
  }
  return undefined;
}
