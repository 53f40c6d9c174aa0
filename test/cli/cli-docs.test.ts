import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { EXIT } from "../../src/cli/exit-codes.js";
import { buildProgram } from "../../src/cli/program.js";

const read = (path: string) => readFile(new URL(`../../${path}`, import.meta.url), "utf8");

/** The text of a markdown section: from its heading to the next heading of its level or above. */
function section(markdown: string, heading: string): string {
  const level = heading.indexOf(" ");
  const start = markdown.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`no section ${heading}`);
  const rest = markdown.slice(start + heading.length + 2);
  const next = rest.search(new RegExp(`\\n#{1,${level}} `));
  return next < 0 ? rest : rest.slice(0, next);
}

/** Every command and its long options, as the program defines them. */
function commands(): Array<{ name: string; options: string[] }> {
  return buildProgram().commands.map((command) => ({
    name: command.name(),
    options: command.options.flatMap((option) => (option.long ? [option.long] : [])),
  }));
}

describe("the command line's docs", () => {
  it("README's Command line section names every command and every option", async () => {
    const text = section(await read("README.md"), "## Command line");
    for (const { name, options } of commands()) {
      expect(text, name).toContain(`postoffice ${name}`);
      for (const option of options) expect(text, `${name} ${option}`).toContain(option);
    }
  });

  it("docs/operations.md's Command line table names every command and every option", async () => {
    const text = section(await read("docs/operations.md"), "### Command line");
    for (const { name, options } of commands()) {
      const rows = text.split("\n").filter((line) => line.startsWith(`| \`postoffice ${name}`));
      expect(rows.length, name).toBeGreaterThan(0);
      for (const option of options) expect(rows.join("\n"), `${name} ${option}`).toContain(option);
    }
  });

  it("docs/operations.md's Exit status table lists every status the commands use", async () => {
    const text = section(await read("docs/operations.md"), "### Exit status");
    const rows = new Set(
      text.split("\n").flatMap((line) => /^\| (\d+) /.exec(line)?.slice(1, 2) ?? []),
    );
    for (const code of Object.values(EXIT)) expect(rows, String(code)).toContain(String(code));
  });
});
