#!/usr/bin/env node
import { buildProgram } from "./program.js";
import { tolerateClosedOutput } from "./standard-streams.js";

tolerateClosedOutput();
await buildProgram().parseAsync(process.argv);
