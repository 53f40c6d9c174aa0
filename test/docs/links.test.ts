import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { dirname, join, normalize, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { headingAnchors, linkTargets, readDoc, root } from "./markdown.js";

/** README.md, docs/*.md and the examples' markdown: the pages a user reads. */
async function pages(): Promise<string[]> {
  const examples = (await readdir(join(root, "examples"), { recursive: true }))
    .filter((file) => file.endsWith(".md") && !file.includes("node_modules"))
    .map((file) => join("examples", file));
  const docs = (await readdir(join(root, "docs")))
    .filter((file) => file.endsWith(".md"))
    .map((file) => join("docs", file));
  return ["README.md", ...docs, ...examples].sort();
}

describe("the docs' links", () => {
  it("point to files that exist and to headings those pages have", async () => {
    const broken: string[] = [];
    for (const page of await pages()) {
      const text = await readDoc(page);
      for (const target of linkTargets(text)) {
        if (/^[a-z]+:/i.test(target)) continue; // https:, mailto:, …
        const [path = "", anchor] = target.split("#");
        const file = path === "" ? page : normalize(join(dirname(page), path));
        if (!existsSync(join(root, file))) {
          broken.push(`${page}: ${target} (no ${relative(".", file)})`);
          continue;
        }
        if (anchor === undefined || !file.endsWith(".md")) continue;
        const anchors = headingAnchors(file === page ? text : await readDoc(file));
        if (!anchors.has(anchor)) broken.push(`${page}: ${target} (no heading #${anchor})`);
      }
    }
    expect(broken).toEqual([]);
  });
});
