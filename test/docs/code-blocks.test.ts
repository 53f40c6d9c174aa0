import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type CodeBlock, codeBlocks, readDoc, root } from "./markdown.js";

/**
 * Every JavaScript, TypeScript and shell example of the docs either runs or says it does not
 * (issue 14: docs that did not run as written). A block is one of:
 *
 * - **a file's text**: its first line is a comment that starts with the file's path
 *   (`// examples/node-client/tour.mjs: …`, `# examples/x.sh`); the block is a verbatim
 *   excerpt of that file (the path line included if the file has it), and a test under test/
 *   names the file, so it runs;
 * - **run by a test**: the marker `<!-- run: TEST NAME -->` before it; TEST reads the page and
 *   runs the block it finds by NAME (as test/docs/getting-started.test.ts does);
 * - **a fragment**: its first line is `// fragment…` or `# fragment…`, or the marker
 *   `<!-- fragment… -->` comes before it: a piece of a program, or a command for a reader to
 *   type that no test runs. Say why after the word when it is not plain.
 */
const CHECKED = new Set(["js", "javascript", "mjs", "ts", "typescript", "sh", "bash", "shell"]);

async function pages(): Promise<string[]> {
  const docs = (await readdir(join(root, "docs"))).filter((file) => file.endsWith(".md"));
  const examples = (await readdir(join(root, "examples"), { recursive: true })).filter(
    (file) => file.endsWith(".md") && !file.includes("node_modules"),
  );
  return [
    "README.md",
    ...docs.map((file) => `docs/${file}`),
    ...examples.map((file) => `examples/${file}`),
  ];
}

async function testSources(): Promise<string> {
  const files = (await readdir(join(root, "test"), { recursive: true })).filter((file) =>
    /\.(ts|mjs|js)$/.test(file),
  );
  const texts = await Promise.all(files.map((file) => readFile(join(root, "test", file), "utf8")));
  return texts.join("\n");
}

/** What is wrong with a block, or undefined when it is marked and its mark holds. */
async function problem(
  page: string,
  text: string,
  block: CodeBlock,
  tests: string,
): Promise<string | undefined> {
  const [first = ""] = block.text.split("\n");
  const before = text
    .split("\n")
    .slice(0, block.line - 1)
    .reverse()
    .find((line) => line.trim() !== "")
    ?.trim();
  if (/^(\/\/|#) fragment\b/.test(first) || /^<!-- fragment\b.*-->$/.test(before ?? "")) return;

  const run = /^<!-- run: (\S+) (\S+) -->$/.exec(before ?? "");
  if (run) {
    const [, testFile = "", name = ""] = run;
    if (!existsSync(join(root, testFile))) return `names ${testFile}, which does not exist`;
    const source = await readFile(join(root, testFile), "utf8");
    if (!source.includes(page)) return `${testFile} does not read ${page}`;
    if (!source.includes(`"${name}"`)) return `${testFile} does not run the block "${name}"`;
    return;
  }

  const path = /^(?:\/\/|#) ([\w./-]+\/[\w.-]+?)(?::|\s|$)/.exec(first)?.[1];
  if (path !== undefined && existsSync(join(root, path))) {
    const file = await readFile(join(root, path), "utf8");
    const withoutPath = block.text.split("\n").slice(1).join("\n");
    if (!file.includes(block.text) && !file.includes(withoutPath)) {
      return `is not a verbatim excerpt of ${path}`;
    }
    if (!tests.includes(path)) return `${path} is run by no test (no test under test/ names it)`;
    return;
  }
  return "is not marked: start it with `// fragment` (or `# fragment`), name the file it is from, or put `<!-- run: TEST NAME -->` before it";
}

describe("the docs' code examples", () => {
  it("are each a file a test runs, a block a test runs, or marked as a fragment", async () => {
    const tests = await testSources();
    const problems: string[] = [];
    let checked = 0;
    for (const page of await pages()) {
      const text = await readDoc(page);
      for (const block of codeBlocks(text)) {
        if (!CHECKED.has(block.lang)) continue;
        checked += 1;
        const wrong = await problem(page, text, block, tests);
        if (wrong !== undefined) problems.push(`${page}:${block.line} (${block.lang}) ${wrong}`);
      }
    }
    expect(checked).toBeGreaterThan(10);
    expect(problems).toEqual([]);
  });
});
