import { describe, expect, it } from "vitest";
import { BoundedMemo } from "../../src/core/memo.js";

describe("BoundedMemo (header and URL memos)", () => {
  it("holds at most max entries, dropping the oldest; re-setting a key does not evict", () => {
    const memo = new BoundedMemo<number>(3);
    for (const [i, k] of ["a", "b", "c"].entries()) memo.set(k, i);
    memo.set("a", 10); // present: replaced, nothing evicted
    expect(memo.size).toBe(3);
    expect(memo.get("b")).toBe(1);
    memo.set("d", 3); // full: the first inserted ("a"; re-setting kept its place) goes
    expect(memo.size).toBe(3);
    expect(memo.has("a")).toBe(false);
    expect([memo.get("b"), memo.get("c"), memo.get("d")]).toEqual([1, 2, 3]);
    for (let i = 0; i < 1000; i++) memo.set(`k${i}`, i);
    expect(memo.size).toBe(3);
  });
});
