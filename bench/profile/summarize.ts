/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`): self time per function and per
 * file, top entries first. `npx tsx bench/profile/summarize.ts <file.cpuprofile> [top]`.
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
}

const file = process.argv[2];
if (!file) throw new Error("usage: summarize.ts <file.cpuprofile> [top]");
const top = Number(process.argv[3] ?? 25);
const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
const total = profile.samples.length;
const short = (url: string) =>
  url
    .replace(/^file:\/\//, "")
    .replace(/^.*\/node_modules\//, "~/")
    .replace(/^.*\/work\/main\//, "");

const hitsById = new Map<number, number>();
for (const id of profile.samples) hitsById.set(id, (hitsById.get(id) ?? 0) + 1);
const byFn = new Map<string, number>();
const byFile = new Map<string, number>();
for (const n of profile.nodes) {
  const hits = hitsById.get(n.id) ?? 0;
  if (hits === 0) continue;
  const { functionName, url, lineNumber } = n.callFrame;
  const where = url ? `${short(url)}:${lineNumber + 1}` : "(native)";
  const key = `${functionName || "(anonymous)"} ${where}`;
  byFn.set(key, (byFn.get(key) ?? 0) + hits);
  const f = url ? short(url) : functionName || "(native)";
  byFile.set(f, (byFile.get(f) ?? 0) + hits);
}
const pct = (h: number) => `${((100 * h) / total).toFixed(1).padStart(5)}%`;
const print = (title: string, m: Map<string, number>) => {
  console.log(`\n${title} (${total} samples)`);
  for (const [k, h] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`${pct(h)}  ${k}`);
};
// Inclusive time: a node's samples plus its descendants', counted once per function even
// when it recurses (async frames make stacks re-enter the same functions).
const nodesById = new Map<number, ProfileNode>();
for (const n of profile.nodes) nodesById.set(n.id, n);
const keyOf = (n: ProfileNode) => {
  const { functionName, url, lineNumber } = n.callFrame;
  return `${functionName || "(anonymous)"} ${url ? `${short(url)}:${lineNumber + 1}` : "(native)"}`;
};
const inclusive = new Map<string, number>();
const active = new Map<string, number>();
function walk(id: number): number {
  const n = nodesById.get(id);
  if (!n) return 0;
  const key = keyOf(n);
  active.set(key, (active.get(key) ?? 0) + 1);
  let sum = hitsById.get(id) ?? 0;
  for (const c of n.children ?? []) sum += walk(c);
  const depth = active.get(key) ?? 1;
  if (depth === 1) inclusive.set(key, (inclusive.get(key) ?? 0) + sum);
  active.set(key, depth - 1);
  return sum;
}
const root = profile.nodes[0];
if (root) walk(root.id);

print("self time by function", byFn);
print("total (inclusive) time by function", inclusive);
print("self time by file", byFile);
