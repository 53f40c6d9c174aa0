#!/usr/bin/env node
// The functions a V8 CPU profile (`node --cpu-prof`, or `npm run bench -- --profile DIR`) spent
// its samples in, by self time, heaviest first: the first look at where a hot path goes.
//
//   node bench/profile-summary.mjs FILE.cpuprofile [--top N] [--filter TEXT] [--inclusive]
//
// --inclusive counts a function for every sample it is on the stack of (its callees included).
import { readFile } from "node:fs/promises";

/**
 * A V8 CPU profile, as much of it as is read here.
 * @typedef {{ id: number, children?: number[], callFrame: { functionName: string, url: string, lineNumber: number } }} ProfileNode
 * @typedef {{ nodes: ProfileNode[], samples: number[] }} CpuProfile
 */
import { parseArgs } from "node:util";

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    top: { type: "string", default: "30" },
    filter: { type: "string" },
    inclusive: { type: "boolean", default: false },
  },
});
if (positionals.length !== 1) {
  console.error("usage: node bench/profile-summary.mjs FILE.cpuprofile [--top N] [--filter TEXT]");
  process.exit(64);
}
const profile = /** @type {CpuProfile} */ (
  JSON.parse(await readFile(positionals[0] ?? "", "utf8"))
);
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
/** @type {Map<number, number>} */
const selfSamples = new Map();
for (const id of profile.samples) selfSamples.set(id, (selfSamples.get(id) ?? 0) + 1);

/** @param {number} id */
const keyOf = (id) => {
  const node = nodes.get(id);
  if (node === undefined) return `(unknown node ${id})`;
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.replace(/^file:\/\//, "").replace(process.cwd(), ".");
  return `${functionName || "(anonymous)"} ${file}:${lineNumber + 1}`;
};
/** @type {Map<number, number>} */
const parents = new Map();
for (const node of profile.nodes)
  for (const child of node.children ?? []) parents.set(child, node.id);

/** @type {Map<string, number>} */
const byFunction = new Map();
for (const [id, count] of selfSamples) {
  // Self time: the sampled node; inclusive: every distinct function on its stack.
  const keys = new Set([keyOf(id)]);
  if (args.inclusive)
    for (let up = parents.get(id); up !== undefined; up = parents.get(up)) keys.add(keyOf(up));
  for (const key of keys) byFunction.set(key, (byFunction.get(key) ?? 0) + count);
}
const total = profile.samples.length;
const idle = [...byFunction].find(([key]) => key.startsWith("(idle)"))?.[1] ?? 0;
console.log(
  `${total} samples, ${((idle / total) * 100).toFixed(1)} % idle; ${args.inclusive ? "inclusive" : "self"} time of busy samples:`,
);
const rows = [...byFunction]
  .filter(([key]) => !key.startsWith("(idle)") && !key.startsWith("(root)"))
  .filter(([key]) => args.filter === undefined || key.includes(args.filter))
  .sort((a, b) => b[1] - a[1])
  .slice(0, Number(args.top));
for (const [key, count] of rows)
  console.log(`${((count / (total - idle)) * 100).toFixed(1).padStart(5)} %  ${key}`);
