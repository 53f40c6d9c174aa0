#!/usr/bin/env node
import { Command } from "commander";
import { VERSION } from "../server/version.js";
import { registerBenchCommand } from "./bench-command.js";
import { registerConnectCommand } from "./connect-command.js";
import { tolerateClosedOutput } from "./standard-streams.js";
import { registerStartCommand } from "./start-command.js";
import { registerTokenCommand } from "./token-command.js";

tolerateClosedOutput();
const program = new Command()
  .name("postoffice")
  .description("Postoffice: a real-time message server over WebSocket.")
  .version(VERSION);
registerStartCommand(program);
registerTokenCommand(program);
registerConnectCommand(program);
registerBenchCommand(program);
await program.parseAsync(process.argv);
