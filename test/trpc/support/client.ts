/** Real `@trpc/client` clients and helpers to read a failed call's outcome. */
import {
  createTRPCClient,
  httpBatchLink,
  httpLink,
  type TRPCClient,
  TRPCClientError,
} from "@trpc/client";
import { expect } from "vitest";
import type { TestRouter } from "./api.js";

export type Client = TRPCClient<TestRouter>;

/** One `httpLink` client; `authorization` is sent as it is (a whole header value). */
export function client(url: string, authorization?: string): Client {
  return createTRPCClient<TestRouter>({
    links: [httpLink({ url, headers: () => (authorization ? { authorization } : {}) })],
  });
}

/** One `httpBatchLink` client. */
export function batchClient(url: string, authorization?: string): Client {
  return createTRPCClient<TestRouter>({
    links: [httpBatchLink({ url, headers: () => (authorization ? { authorization } : {}) })],
  });
}

export const bearer = (token: string) => `Bearer ${token}`;

/** What a failed call gave: tRPC code, HTTP status, challenge, `data.auth`. */
export interface Outcome {
  code: string | undefined;
  status: number | undefined;
  challenge: string | null | undefined;
  retryAfter: string | null | undefined;
  auth: { error: string; error_description: string } | undefined;
  message: string;
}

/** Awaits a call that must fail with a `TRPCClientError` and describes the failure. */
export async function failure(call: Promise<unknown>): Promise<Outcome> {
  const error = await call.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCClientError);
  const e = error as TRPCClientError<TestRouter>;
  const response = (e.meta as { response?: Response } | undefined)?.response;
  return {
    code: e.data?.code,
    status: response?.status,
    challenge: response?.headers.get("www-authenticate"),
    retryAfter: response?.headers.get("retry-after"),
    auth: e.data?.auth,
    message: e.message,
  };
}
