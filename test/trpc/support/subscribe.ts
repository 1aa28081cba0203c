/** Runs one subscription with the real `@trpc/client` and records how it went. */
import {
  createTRPCClient,
  createWSClient,
  httpSubscriptionLink,
  type TRPCClient,
  TRPCClientError,
  wsLink,
} from "@trpc/client";
import { WebSocket } from "ws";
import type { TestRouter } from "./api.js";
import { FetchEventSource, type FetchEventSourceInit } from "./event-source.js";

export interface Run {
  values: unknown[];
  /** The error that ended the stream, if one did. */
  error: TRPCClientError<TestRouter> | undefined;
  /** ms from subscribing to the first value, and to the end. */
  firstValueAfter: number | undefined;
  endedAfter: number;
}

type Subscribe = (handlers: {
  onData: (value: unknown) => void;
  onError: (error: unknown) => void;
  onComplete: () => void;
}) => { unsubscribe(): void };

/** Subscribes and resolves when the stream errors, completes, or `timeoutMs` passes. */
export function record(subscribe: Subscribe, timeoutMs = 8_000): Promise<Run> {
  const start = performance.now();
  const values: unknown[] = [];
  let firstValueAfter: number | undefined;
  return new Promise((resolve) => {
    let sub: { unsubscribe(): void } | undefined;
    const finish = (error?: unknown) => {
      clearTimeout(timer);
      queueMicrotask(() => sub?.unsubscribe());
      resolve({
        values,
        error: error instanceof TRPCClientError ? error : undefined,
        firstValueAfter,
        endedAfter: performance.now() - start,
      });
    };
    const timer = setTimeout(() => finish(), timeoutMs);
    sub = subscribe({
      onData: (value) => {
        firstValueAfter ??= performance.now() - start;
        values.push(value);
      },
      onError: (error) => finish(error),
      onComplete: () => finish(),
    });
  });
}

/** The EventSources the SSE clients opened, to read the HTTP responses they got. */
export const eventSources: FetchEventSource[] = [];

class TrackedEventSource extends FetchEventSource {
  constructor(url: string, init?: FetchEventSourceInit) {
    super(url, init);
    eventSources.push(this);
  }
}

/** An SSE client; the token goes in `Authorization` or in `connectionParams`. */
export function sseClient(
  url: string,
  token: { header?: string; connectionParams?: Record<string, string> },
): TRPCClient<TestRouter> {
  return createTRPCClient<TestRouter>({
    links: [
      httpSubscriptionLink({
        url,
        EventSource: TrackedEventSource,
        eventSourceOptions: { headers: token.header ? { authorization: token.header } : {} },
        connectionParams: token.connectionParams,
      }),
    ],
  });
}

/** A WebSocket client sending `connectionParams`; `close()` it when done. */
export function wsClient(url: string, connectionParams: Record<string, string>) {
  const ws = createWSClient({
    url,
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    connectionParams: () => connectionParams,
  });
  const trpc = createTRPCClient<TestRouter>({ links: [wsLink({ client: ws })] });
  return { trpc, close: () => ws.close() };
}
