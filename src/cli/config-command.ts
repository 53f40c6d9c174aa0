import type { Command } from "commander";

interface ConfigFlags {
  config?: string;
  port?: string;
  host?: string;
  json?: boolean;
}

export function registerConfigCommand(program: Command): void {
  program
    .command("config")
    .description(
      "Print the configuration `postoffice start` would run with (same files, variables and " +
        "flags), each value with who set it, secrets masked; exit 78 if it is invalid, as start would.",
    )
    .option("-c, --config <file>", "configuration file, YAML or JSON (env POSTOFFICE_CONFIG)")
    .option("-p, --port <port>", "as for start: the port flag")
    .option("-H, --host <host>", "as for start: the host flag")
    .option("-d, --dialect <name>", "as for start: the dialect flag")
    .option("--json", "as JSON: {files, config, sources} with each value's source by JSON pointer")
    .action(async (flags: ConfigFlags) => {
      const { loadConfigOrExit } = await import("./load-config-or-exit.js");
      const { effectiveConfigJson, effectiveConfigYaml } = await import("./effective-config.js");
      const loaded = await loadConfigOrExit(flags);
      process.stdout.write(
        flags.json
          ? `${JSON.stringify(effectiveConfigJson(loaded), null, 2)}\n`
          : effectiveConfigYaml(loaded, process.cwd()),
      );
    });
}
