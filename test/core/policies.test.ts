/** The per-request policy memo and its bound (MAX_POLICY_MEMO), on the real classes. */
import { describe, expect, it } from "vitest";
import { argumentsKey, PolicyMemo, PolicyRegistry } from "../../src/core/policies.js";
import { MAX_POLICY_MEMO } from "../../src/index.js";

describe("PolicyMemo", () => {
  it("evaluates each (policy, arguments) once, up to MAX_POLICY_MEMO entries, then each time", async () => {
    let runs = 0;
    const registry = new PolicyRegistry({ p: () => ++runs > 0 }, 5);
    const memo = new PolicyMemo();
    expect(MAX_POLICY_MEMO).toBe(1000);
    for (let i = 0; i < MAX_POLICY_MEMO; i++) await memo.get(registry, "p", {}, { input: { i } });
    for (let i = 0; i < MAX_POLICY_MEMO; i++) await memo.get(registry, "p", {}, { input: { i } });
    expect(runs).toBe(MAX_POLICY_MEMO); // the second round came from the memo
    await memo.get(registry, "p", {}, { input: { i: "new" } });
    await memo.get(registry, "p", {}, { input: { i: "new" } });
    expect(runs).toBe(MAX_POLICY_MEMO + 2); // full: a new input is evaluated, not remembered
  });

  it("keys arguments as JSON with sorted keys; a cycle or a BigInt is not memoised", async () => {
    expect(argumentsKey({ b: 1, a: [{ d: 1, c: 2 }] })).toBe(
      argumentsKey({ a: [{ c: 2, d: 1 }], b: 1 }),
    );
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(argumentsKey(cycle)).toBeUndefined();
    expect(argumentsKey({ n: 1n })).toBeUndefined();
    let runs = 0;
    const registry = new PolicyRegistry({ p: () => ++runs > 0 }, 5);
    const memo = new PolicyMemo();
    await memo.get(registry, "p", {}, { input: cycle });
    await memo.get(registry, "p", {}, { input: cycle });
    expect(runs).toBe(2);
  });

  it("a usesParent policy is memoised per parent object", async () => {
    const seen: unknown[] = [];
    const registry = new PolicyRegistry(
      {
        p: { usesParent: true, check: ({ parent }: { parent: unknown }) => seen.push(parent) > 0 },
      },
      5,
    );
    const memo = new PolicyMemo();
    const a = { id: 1 };
    const b = { id: 1 };
    for (const parent of [a, a, b, b]) await memo.get(registry, "p", {}, { args: {}, parent });
    expect(seen).toEqual([a, b]);
    expect(seen[0]).toBe(a);
    expect(seen[1]).toBe(b);
  });

  it("only true allows; a non-boolean truthy answer denies", async () => {
    const registry = new PolicyRegistry({ yes: () => true, one: () => 1 as unknown as boolean }, 5);
    await expect(registry.run("yes", {}, {})).resolves.toBe(true);
    await expect(registry.run("one", {}, {})).resolves.toBe(false);
  });
});
