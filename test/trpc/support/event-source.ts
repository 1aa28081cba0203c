/**
 * A small `EventSource` on top of `fetch` for `httpSubscriptionLink` in Node 20, which has no
 * global `EventSource` (Node 22 has one behind a flag). Unlike the browser's, it can send
 * headers (`Authorization`), as the `eventsource` npm package does. It follows the WHATWG
 * parsing rules for `event`, `data`, `id` and `retry`, and reconnects after a dropped stream.
 */
export interface FetchEventSourceInit {
  headers?: Record<string, string>;
  withCredentials?: boolean;
}

export class FetchEventSource extends EventTarget {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  readonly CONNECTING = 0;
  readonly OPEN = 1;
  readonly CLOSED = 2;
  readyState = 0;
  /** Every status the server answered with, for assertions. */
  readonly responses: Response[] = [];
  private readonly controller = new AbortController();
  private lastEventId = "";
  private retryMs = 250;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly url: string,
    private readonly init: FetchEventSourceInit = {},
  ) {
    super();
    void this.connect();
  }

  close(): void {
    this.readyState = this.CLOSED;
    clearTimeout(this.timer);
    this.controller.abort();
  }

  private async connect(): Promise<void> {
    try {
      const headers: Record<string, string> = { accept: "text/event-stream", ...this.init.headers };
      if (this.lastEventId) headers["last-event-id"] = this.lastEventId;
      const res = await fetch(this.url, { headers, signal: this.controller.signal });
      this.responses.push(res);
      const type = res.headers.get("content-type") ?? "";
      if (res.status !== 200 || !type.startsWith("text/event-stream") || !res.body) {
        this.readyState = this.CLOSED;
        this.dispatchEvent(new Event("error"));
        return;
      }
      this.readyState = this.OPEN;
      this.dispatchEvent(new Event("open"));
      await this.read(res.body);
    } catch {
      // network error or close()
    }
    if (this.readyState === this.CLOSED) return;
    this.readyState = this.CONNECTING;
    this.dispatchEvent(new Event("error"));
    this.timer = setTimeout(() => void this.connect(), this.retryMs);
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    let buffer = "";
    let event = "";
    let data: string[] = [];
    const decoder = new TextDecoder();
    const reader = body.getReader();
    while (true) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      const lines = buffer.split(/\r\n|\r|\n/);
      buffer = lines.pop() ?? "";
      for (const line of lines) {
        if (line === "") {
          if (data.length > 0) {
            const init = { data: data.join("\n"), lastEventId: this.lastEventId };
            this.dispatchEvent(new MessageEvent(event || "message", init));
          }
          event = "";
          data = [];
          continue;
        }
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "event") event = value;
        else if (field === "data") data.push(value);
        else if (field === "id" && !value.includes("\0")) this.lastEventId = value;
        else if (field === "retry" && /^\d+$/.test(value)) this.retryMs = Number(value);
      }
      if (this.readyState === this.CLOSED) return void reader.cancel().catch(() => {});
    }
  }
}
