import type { Command } from "commander";
import { buildInfo } from "./build-info.js";

/** `postoffice 0.1.0 (commit 1a2b3c4) on Node.js v20.20.2, linux x64` */
export function versionLine(): string {
  const { version, commit } = buildInfo();
  const built = commit === null ? "" : ` (commit ${commit})`;
  return `postoffice ${version}${built} on Node.js ${process.version}, ${process.platform} ${process.arch}`;
}

export function registerVersionCommand(program: Command): void {
  program
    .command("version")
    .description("Print the version, the build's git commit (when known) and Node.js's version.")
    .option("--json", "as JSON: version, commit (or null), node, platform, arch")
    .action((flags: { json?: boolean }) => {
      if (!flags.json) {
        process.stdout.write(`${versionLine()}\n`);
        return;
      }
      const { version, commit } = buildInfo();
      const info = {
        version,
        commit,
        node: process.version,
        platform: process.platform,
        arch: process.arch,
      };
      process.stdout.write(`${JSON.stringify(info)}\n`);
    });
}
