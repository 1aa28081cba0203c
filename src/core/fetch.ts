/** Why a discovery or JWKS request failed; internal (mapped to a 503 or kept as a cause). */
export class KeySourceError extends Error {
  /** HTTP status of the response, when there was one. */
  readonly status: number | undefined;

  constructor(
    message: string,
    readonly url: string,
    options?: { cause?: unknown; status?: number },
  ) {
    super(message, options);
    this.name = "KeySourceError";
    this.status = options?.status;
  }
}

/** Result of a JSON fetch: the body and the `max-age` of its `Cache-Control`, if any. */
export interface JsonResponse {
  body: unknown;
  maxAge: number | undefined;
}

export interface FetchJsonOptions {
  fetch: typeof globalThis.fetch;
  timeout: number;
  maxBytes: number;
}

/** A POST instead of the default GET (RFC 7662 introspection): headers and a form body. */
export interface PostForm {
  headers: Record<string, string>;
  body: URLSearchParams;
}

/**
 * GETs (or, with `post`, POSTs a form and reads) a JSON document with a timeout, a size cap
 * and no redirects (a redirected key set is refused: the configured URL is the only one
 * trusted).
 */
export async function fetchJson(
  url: string,
  options: FetchJsonOptions,
  post?: PostForm,
): Promise<JsonResponse> {
  const signal = AbortSignal.timeout(options.timeout * 1000);
  const init: RequestInit = {
    method: post ? "POST" : "GET",
    headers: { accept: "application/json", ...post?.headers },
    redirect: "manual",
    signal,
  };
  if (post) init.body = post.body.toString();
  let response: Response;
  try {
    response = await options.fetch(url, init);
  } catch (first) {
    // A failure before any response (e.g. the server reset an idle keep-alive socket just as
    // the request went out) is retried once, on a fresh connection, within the same timeout.
    if (signal.aborted) throw new KeySourceError("request timed out", url, { cause: first });
    try {
      response = await options.fetch(url, init);
    } catch (cause) {
      const timedOut = signal.aborted;
      throw new KeySourceError(timedOut ? "request timed out" : "request failed", url, { cause });
    }
  }
  try {
    if (response.status !== 200) {
      throw new KeySourceError(`unexpected HTTP status ${response.status}`, url, {
        status: response.status,
      });
    }
    const declared = Number(response.headers.get("content-length") ?? Number.NaN);
    if (declared > options.maxBytes) throw new KeySourceError("response too large", url);
    const text = await readCapped(response, options.maxBytes, url);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (cause) {
      throw new KeySourceError("response is not valid JSON", url, { cause });
    }
    return { body, maxAge: parseMaxAge(response.headers.get("cache-control")) };
  } catch (error) {
    // Free the connection on every failure path.
    await response.body?.cancel().catch(() => {});
    if (error instanceof KeySourceError) throw error;
    throw new KeySourceError(
      signal.aborted ? "request timed out" : "reading the response failed",
      url,
      {
        cause: error,
      },
    );
  }
}

async function readCapped(response: Response, maxBytes: number, url: string): Promise<string> {
  if (!response.body) return response.text();
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new KeySourceError("response too large", url);
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    all.set(c, offset);
    offset += c.byteLength;
  }
  return new TextDecoder("utf-8", { fatal: false }).decode(all);
}

/** `max-age` (seconds) of a Cache-Control header; `no-store`/`no-cache` count as 0. */
export function parseMaxAge(header: string | null): number | undefined {
  if (!header) return undefined;
  const lower = header.toLowerCase();
  if (/(?:^|,)\s*(?:no-store|no-cache)\s*(?:,|$)/.test(lower)) return 0;
  const m = /(?:^|,)\s*max-age\s*=\s*"?(\d+)"?/.exec(lower);
  return m ? Number(m[1]) : undefined;
}
