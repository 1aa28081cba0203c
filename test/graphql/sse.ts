/** A minimal GraphQL-over-SSE client (yoga's "distinct connections" mode) for the tests. */

export interface SseEvent {
  event: string;
  data: string;
  /** Milliseconds since the request was sent. */
  at: number;
}

export interface SseAnswer {
  status: number;
  headers: Headers;
  events: SseEvent[];
}

/** Subscribes over SSE and collects events until `complete`, the stream ends, or `limit`. */
export async function subscribeSse(
  url: string,
  query: string,
  options: { token?: string; limit?: number; timeoutMs?: number } = {},
): Promise<SseAnswer> {
  const started = Date.now();
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs ?? 10_000);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: "text/event-stream",
  };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const events: SseEvent[] = [];
  try {
    const response = await fetch(url, {
      method: "POST",
      headers,
      body: JSON.stringify({ query }),
      signal: controller.signal,
    });
    const reader = response.body?.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    while (reader) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end = buffer.indexOf("\n\n");
      while (end !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf("\n\n");
        const event = /^event: (.*)$/m.exec(block)?.[1];
        if (!event) continue; // a ping
        const data = /^data:\s?(.*)$/m.exec(block)?.[1] ?? "";
        events.push({ event, data, at: Date.now() - started });
      }
      const last = events.at(-1);
      if (
        last?.event === "complete" ||
        events.length >= (options.limit ?? Number.POSITIVE_INFINITY)
      ) {
        await reader.cancel();
        break;
      }
    }
    return { status: response.status, headers: response.headers, events };
  } finally {
    clearTimeout(timer);
  }
}
