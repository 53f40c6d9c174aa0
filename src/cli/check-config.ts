import { EventRulesError } from "../server/compose/event-rules.js";
import { loadNodeConfig } from "../server/compose/load-node-config.js";
import { ConfigError } from "../server/config/config-error.js";
import { displayPath } from "../server/config/config-file.js";
import { EXIT } from "./exit-codes.js";

export interface CheckFlags {
  config?: string;
}

/**
 * The checks `postoffice start` makes before it listens (the same function): the schema and
 * the permissions stop at their first problem, the rules engine lists every problem of
 * `events:` and `plugins:`. Plug-ins are imported: their code runs, as it would at start.
 */
export async function check(flags: CheckFlags): Promise<number> {
  const cwd = process.cwd();
  const options = { cwd, env: process.env, flags: { config: flags.config } };
  let loaded: Awaited<ReturnType<typeof loadNodeConfig>>;
  try {
    loaded = await loadNodeConfig(options);
  } catch (error) {
    if (error instanceof EventRulesError) {
      for (const line of error.lines) process.stdout.write(`${line}\n`);
      const count = error.lines.length;
      process.stdout.write(
        `${shown(error.files, cwd)}: ${count} problem${count === 1 ? "" : "s"}\n`,
      );
      return EXIT.config;
    }
    if (!(error instanceof ConfigError)) throw error;
    // The message names the key and who set it ("... (from postoffice.yaml:3)").
    process.stdout.write(`${error.message}\n`);
    return EXIT.config;
  }
  const { config, files } = loaded;
  const events = Object.keys(config.events ?? {}).length;
  const plugins = config.plugins.length;
  process.stdout.write(
    `${shown(files, cwd)}: OK (${events} event${events === 1 ? "" : "s"}, ${plugins} plug-in${plugins === 1 ? "" : "s"})\n`,
  );
  return EXIT.ok;
}

function shown(files: readonly string[], cwd: string): string {
  return files.length === 0
    ? "the defaults"
    : files.map((file) => displayPath(file, cwd)).join(" + ");
}
