import { Command, type CommanderError } from "commander";
import { registerBenchCommand } from "./bench-command.js";
import { registerCheckCommand } from "./check-command.js";
import { registerConfigCommand } from "./config-command.js";
import { registerConnectCommand } from "./connect-command.js";
import { EXIT } from "./exit-codes.js";
import { registerGenconfigCommand } from "./genconfig-command.js";
import { registerPublishCommand } from "./publish-command.js";
import { registerStartCommand } from "./start-command.js";
import { registerTokenCommand } from "./token-command.js";
import { registerVersionCommand, versionLine } from "./version-command.js";

/** Every `postoffice` command, with its options; the docs tests read it too. */
export function buildProgram(): Command {
  const program = new Command()
    .name("postoffice")
    .description("Postoffice: a real-time message server over WebSocket.")
    .version(versionLine(), "-V, --version", "print the version, Node.js's and the build's commit")
    // Inherited by every command registered after it.
    .exitOverride(usageExit);
  registerStartCommand(program);
  registerTokenCommand(program);
  registerConnectCommand(program);
  registerPublishCommand(program);
  registerConfigCommand(program);
  registerCheckCommand(program);
  registerGenconfigCommand(program);
  registerVersionCommand(program);
  registerBenchCommand(program);
  return program;
}

/**
 * Commander ends a command line it cannot parse (unknown command or option, missing or
 * malformed argument, no command at all) with status 1, which `postoffice` keeps for "ran,
 * and the answer is no"; those are usage errors: EX_USAGE. Our commands call
 * `command.error` for usage errors only, with EX_USAGE. Help and the version exit 0.
 */
function usageExit(error: CommanderError): never {
  process.exit(error.exitCode === 1 ? EXIT.usage : error.exitCode);
}
