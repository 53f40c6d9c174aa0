#!/usr/bin/env node
import { Command } from "commander";
import { VERSION } from "../server/version.js";
import { registerBenchCommand } from "./bench-command.js";
import { registerCheckCommand } from "./check-command.js";
import { registerConnectCommand } from "./connect-command.js";
import { registerStartCommand } from "./start-command.js";
import { registerTokenCommand } from "./token-command.js";

const program = new Command()
  .name("postoffice")
  .description("Postoffice: a real-time message server over WebSocket.")
  .version(VERSION);
registerStartCommand(program);
registerTokenCommand(program);
registerConnectCommand(program);
registerBenchCommand(program);
registerCheckCommand(program);
await program.parseAsync(process.argv);
