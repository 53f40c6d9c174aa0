import { writeFile } from "node:fs/promises";
import { type Command, InvalidArgumentError } from "commander";
import type { Config } from "../server/config/config.js";
import { isPresetName, type PresetName, presets } from "../server/config/presets.js";
import { VERSION } from "../server/version.js";
import { EXIT, exitWith } from "./exit-codes.js";

interface GenconfigFlags {
  out?: string;
  force?: boolean;
  preset: PresetName;
}

export function registerGenconfigCommand(program: Command): void {
  program
    .command("genconfig")
    .description(
      "Write a configuration file to start from: every section and key with its default, its " +
        "description and its environment variables (to stdout, or --out FILE).",
    )
    .option("-o, --out <file>", "write to FILE instead of stdout (not over an existing file)")
    .option("-f, --force", "with --out: replace FILE if it exists")
    .option(
      "--preset <name>",
      `set every key to the values of a preset: ${Object.keys(presets).join(", ")}`,
      (value: string) => {
        if (!isPresetName(value)) {
          throw new InvalidArgumentError(`presets: ${Object.keys(presets).join(", ")}.`);
        }
        return value;
      },
      "none",
    )
    .action(async (flags: GenconfigFlags) => {
      const { configTemplate } = await import("./config-template.js");
      const text = configTemplate(await valuesOf(flags.preset), header(flags.preset));
      if (flags.out === undefined) {
        process.stdout.write(text);
        return;
      }
      try {
        await writeFile(flags.out, text, { flag: flags.force ? "w" : "wx" });
      } catch (error) {
        const { code, message } = error as NodeJS.ErrnoException;
        exitWith(
          EXIT.cantCreate,
          code === "EEXIST"
            ? `${flags.out} exists: give --force to replace it`
            : `cannot write ${flags.out}: ${message}`,
        );
      }
      process.stderr.write(`postoffice: wrote ${flags.out}\n`);
    });
}

/** What a file that names this preset and sets nothing else would give. */
async function valuesOf(preset: PresetName): Promise<Config> {
  const { validate } = await import("../server/config/validate-config.js");
  return validate({ ...structuredClone(presets[preset]), preset } as Record<string, unknown>);
}

function header(preset: PresetName): string[] {
  const of = preset === "none" ? "its default" : `its value in the ${preset} preset`;
  return [
    `Postoffice configuration, written by \`postoffice genconfig\` (postoffice ${VERSION}).`,
    "",
    `Every key is set to ${of}: change what you need, delete the rest. Sections and keys`,
    "without a default are commented out. Each key's description says what it does, and which",
    "environment variables set it; docs/configuration.md has the whole story.",
    "",
    "Later wins: this file, then the POSTOFFICE_ENV overlay (postoffice.<env>.yaml beside it),",
    "then environment variables, then command-line flags. A preset only fills in what the file",
    "leaves out, so a key written here wins over POSTOFFICE_PRESET: to start from a preset,",
    "write the file with `postoffice genconfig --preset NAME`.",
    "",
    "Check what a node would run with: postoffice config --config FILE",
  ];
}
