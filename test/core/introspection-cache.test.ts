import { afterEach, describe, expect, it, vi } from "vitest";
import {
  type IntrospectionAnswer,
  IntrospectionCache,
  MAX_INTROSPECTIONS_IN_FLIGHT,
  TooManyIntrospectionsError,
} from "../../src/core/introspection-cache.js";

afterEach(() => {
  vi.useRealTimers();
});

/** A load() the test settles by hand, counting its calls. */
function deferred() {
  let calls = 0;
  const pending: { resolve: (a: IntrospectionAnswer) => void; reject: (e: unknown) => void }[] = [];
  const load = () => {
    calls++;
    return new Promise<IntrospectionAnswer>((resolve, reject) => pending.push({ resolve, reject }));
  };
  return { load, pending, calls: () => calls };
}

const now = () => Date.now() / 1000;

describe("IntrospectionCache (internal)", () => {
  it("shares one load among concurrent callers, and keeps no failure past its flight", async () => {
    const cache = new IntrospectionCache(10, 60, 10);
    const d = deferred();
    const waiters = Array.from({ length: 1000 }, () => cache.get("k", now(), d.load));
    expect(d.calls()).toBe(1);
    d.pending[0]?.reject(new Error("down"));
    const settled = await Promise.allSettled(waiters);
    expect(settled.every((s) => s.status === "rejected")).toBe(true);
    const again = cache.get("k", now(), d.load);
    expect(d.calls()).toBe(2);
    d.pending[1]?.resolve({ exp: now() + 30 });
    await expect(again).resolves.toMatchObject({ exp: expect.any(Number) });
    expect(cache.get("k", now(), d.load)).toMatchObject({ exp: expect.any(Number) });
    expect(d.calls()).toBe(2);
    expect(cache.started).toBe(2);
  });

  it("bounds the requests in flight (10 000 by default): beyond it, a refusal without a load", async () => {
    expect(MAX_INTROSPECTIONS_IN_FLIGHT).toBe(10_000);
    const cache = new IntrospectionCache(10, 60, 10, 3);
    const d = deferred();
    const flights = ["a", "b", "c"].map((k) => cache.get(k, now(), d.load));
    await expect(cache.get("d", now(), d.load)).rejects.toBeInstanceOf(TooManyIntrospectionsError);
    expect(d.calls()).toBe(3);
    // A key already in flight still joins it.
    const joined = cache.get("a", now(), d.load);
    for (const p of d.pending) p.resolve(null);
    await Promise.all([...flights, joined]);
    expect(d.calls()).toBe(3);
    // Settled flights free their slots.
    const later = cache.get("d", now(), d.load);
    d.pending[3]?.resolve(null);
    await expect(later).resolves.toBeNull();
  });

  it("keeps active and inactive answers in separate bounded maps", async () => {
    const cache = new IntrospectionCache(2, 60, 10);
    const load = (answer: IntrospectionAnswer) => () => Promise.resolve(answer);
    for (const k of ["a1", "a2"]) await cache.get(k, now(), load({ exp: now() + 60 }));
    for (const k of ["i1", "i2", "i3", "i4"]) await cache.get(k, now(), load(null));
    expect(cache.size).toBe(4);
    let loads = 0;
    const counting = () => {
      loads++;
      return Promise.resolve(null);
    };
    await cache.get("a1", now(), counting);
    await cache.get("a2", now(), counting);
    await cache.get("i4", now(), counting);
    expect(loads).toBe(0);
    await cache.get("i1", now(), counting); // dropped by i3
    expect(loads).toBe(1);
  });
});
