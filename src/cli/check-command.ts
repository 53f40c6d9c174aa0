import type { Command } from "commander";
import { usesDevSecret } from "../server/compose/authenticator.js";
import { loadNodeConfig } from "../server/compose/load-node-config.js";
import type { Config } from "../server/config/config.js";
import { ConfigError } from "../server/config/config-error.js";
import { displayPath } from "../server/config/config-file.js";
import type { ConfigSources } from "../server/config/config-sources.js";
import { buildRules } from "../server/events/build-rules.js";
import { builtinRegistry } from "../server/events/builtins.js";
import type { Problem } from "../server/events/compile/problem.js";
import { MemoryRateLimitStore } from "../server/events/memory-rate-limit-store.js";
import { EXIT_CONFIG } from "./exit-codes.js";

interface CheckFlags {
  config?: string;
}

export function registerCheckCommand(program: Command): void {
  program
    .command("check")
    .description(
      "Check a configuration without starting anything: the schema, permissions, events and plug-ins. " +
        "Prints each problem with its key and line; exits 0 when the file is good, 78 otherwise.",
    )
    .option("-c, --config <file>", "configuration file, YAML or JSON (env POSTOFFICE_CONFIG)")
    .action(async (flags: CheckFlags) => {
      process.exitCode = await check(flags);
    });
}

/**
 * The checks `postoffice start` makes before it listens, and those of the rules engine, which
 * lists every problem of `events:` and `plugins:` (the schema stops at its first). Plug-ins
 * are imported: their code runs, as it would at start.
 */
async function check(flags: CheckFlags): Promise<number> {
  let loaded: Awaited<ReturnType<typeof loadNodeConfig>>;
  try {
    loaded = await loadNodeConfig({
      cwd: process.cwd(),
      env: process.env,
      flags: { config: flags.config },
    });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // The message names the key and who set it ("... (from postoffice.yaml:3)").
    process.stdout.write(`${error.message}\n`);
    return EXIT_CONFIG;
  }
  const { config, files, sources } = loaded;
  const built = await buildRules(
    { events: config.events, plugins: config.plugins },
    builtinRegistry({
      rateLimits: new MemoryRateLimitStore(),
      tokens: checksTokens(config) ? { verify: async () => ({}) } : undefined,
    }),
  );
  const shown =
    files.length === 0
      ? "the defaults"
      : files.map((file) => displayPath(file, process.cwd())).join(" + ");
  if (!built.ok) {
    for (const problem of built.problems) process.stdout.write(`${line(problem, sources)}\n`);
    const count = built.problems.length;
    process.stdout.write(`${shown}: ${count} problem${count === 1 ? "" : "s"}\n`);
    return EXIT_CONFIG;
  }
  const events = built.rules.events.size;
  const plugins = config.plugins.length;
  process.stdout.write(
    `${shown}: OK (${events} event${events === 1 ? "" : "s"}, ${plugins} plug-in${plugins === 1 ? "" : "s"})\n`,
  );
  return 0;
}

/** `postoffice.yaml:12: /events/chat/actions/0: unknown action "shoutt" (known: ...)`. */
function line(problem: Problem, sources: ConfigSources): string {
  const source = sources.describe(problem.pointer);
  return `${source === undefined ? "" : `${source}: `}${problem.pointer}: ${problem.message}`;
}

/** Whether `secure` has keys to check tokens with: auth.jwt's, or the development secret. */
function checksTokens(config: Config): boolean {
  const jwt = config.auth.jwt;
  const keyed =
    jwt !== undefined && Boolean(jwt.secret || jwt.publicKey || jwt.publicKeyFile || jwt.jwksUrl);
  return keyed || usesDevSecret(config.auth);
}
