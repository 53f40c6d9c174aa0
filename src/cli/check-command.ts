import type { Command } from "commander";
import type { CheckFlags } from "./check-config.js";

export function registerCheckCommand(program: Command): void {
  program
    .command("check")
    .description(
      "Check a configuration without starting anything: the schema, permissions, events and plug-ins. " +
        "Prints each problem with its key and line; exits 0 when the file is good, 78 otherwise.",
    )
    .option("-c, --config <file>", "configuration file, YAML or JSON (env POSTOFFICE_CONFIG)")
    .action(async (flags: CheckFlags) => {
      // Loaded here: the rules engine is not needed to parse a command line.
      const { check } = await import("./check-config.js");
      process.exitCode = await check(flags);
    });
}
