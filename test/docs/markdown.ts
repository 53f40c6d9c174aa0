import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's root, for paths the docs name. */
export const root = fileURLToPath(new URL("../../", import.meta.url));

export function readDoc(path: string): Promise<string> {
  return readFile(join(root, path), "utf8");
}

/** The lines under a heading, up to the next heading of any level; empty if there is none. */
export function section(markdown: string, heading: string): string {
  const lines = markdown.split("\n");
  const start = lines.findIndex((line) => line.trim() === heading);
  if (start < 0) return "";
  const end = lines.findIndex((line, index) => index > start && /^#{1,6} /.test(line));
  return lines.slice(start + 1, end < 0 ? undefined : end).join("\n");
}

/** The backticked first cells of a table's rows: what the table documents. */
export function tableKeys(markdown: string): string[] {
  return markdown.split("\n").flatMap((line) => /^\|\s*`([^`]+)`\s*\|/.exec(line)?.[1] ?? []);
}

/** The markdown with its fenced code blocks blanked to spaces, so that offsets hold. */
function withoutCode(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, (block) => block.replace(/[^\n]/g, " "));
}

/** GitHub's slug of a heading's text (what github-slugger makes, before de-duplication). */
function slug(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
    .replace(/ /g, "-");
}

interface Heading {
  anchor: string;
  level: number;
  /** Offset of the heading's line in the markdown. */
  at: number;
}

/** The headings outside code blocks, each with GitHub's anchor (a repeat gets `-1`, `-2`, …). */
function headings(markdown: string): Heading[] {
  const found: Heading[] = [];
  const seen = new Map<string, number>();
  for (const match of withoutCode(markdown).matchAll(/^(#{1,6}) (.+)$/gm)) {
    const base = slug(match[2] ?? "");
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    const anchor = count === 0 ? base : `${base}-${count}`;
    found.push({ anchor, level: match[1]?.length ?? 1, at: match.index });
  }
  return found;
}

export function headingAnchors(markdown: string): Set<string> {
  return new Set(headings(markdown).map((heading) => heading.anchor));
}

/** The text of the section an anchor names, down to the next heading of its level or above. */
export function sectionAt(markdown: string, anchor: string): string | undefined {
  const all = headings(markdown);
  const index = all.findIndex((heading) => heading.anchor === anchor);
  const start = all[index];
  if (start === undefined) return undefined;
  const next = all.slice(index + 1).find((heading) => heading.level <= start.level);
  return markdown.slice(start.at, next?.at);
}

/** The targets of the inline links `[text](target)` outside code blocks. */
export function linkTargets(markdown: string): string[] {
  return [...withoutCode(markdown).matchAll(/\]\(([^)\s]+)\)/g)].flatMap((match) => match[1] ?? []);
}

export interface CodeBlock {
  /** The fence's info string: `js`, `ts`, `sh`, `json`, … */
  lang: string;
  text: string;
  /** 1-based line of the opening fence. */
  line: number;
}

/** The fenced code blocks of a markdown text. */
export function codeBlocks(markdown: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  for (const match of markdown.matchAll(/^```([^\n]*)\n([\s\S]*?)^```/gm)) {
    const line = markdown.slice(0, match.index).split("\n").length;
    blocks.push({ lang: (match[1] ?? "").trim(), text: match[2] ?? "", line });
  }
  return blocks;
}
