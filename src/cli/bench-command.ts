import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { EXIT } from "./exit-codes.js";

/** The side-by-side harness, shipped with the package (`bench/`), run in its --url mode. */
export const HARNESS = fileURLToPath(new URL("../../bench/side-by-side.mjs", import.meta.url));

interface BenchFlags {
  url: string;
  secret?: string;
  anonymous?: boolean;
  pid?: string;
  quick?: boolean;
  only?: string;
  json?: string;
  markdown?: string;
}

const HARNESS_OPTIONS = `
Scenarios: fan-out (one room, one publisher: deliveries/s at saturation, p50/p99 latency paced
at each --fanout-rate), direct mail (pairs), idle memory per connection (when the server's
/metrics has process metrics) and connection rate, with the load from separate generator
processes. Other options go to the harness (docs/benchmarks.md), for example:
  --fanout-clients N  --fanout-rate LIST  --fanout-duration S  --direct-pairs N
  --direct-rate N  --direct-duration S  --idle-connections LIST  --connrate-concurrency N
  --connrate-duration S  --generators N  --warmup S  --max-seconds S  --quiet

The server's limits must let the load through (rate limits off, caps raised: limits.rate.*,
limits.maxConnections, limits.maxSessionsPerUser, rooms.maxMembers): a step the server refuses
has no figures, the refusals and the keys to raise are printed, and the exit status is 3.`;

export function registerBenchCommand(program: Command): void {
  program
    .command("bench")
    .description(
      "Benchmark a running Postoffice server by URL: fan-out, direct mail, idle memory and " +
        "connection rate, as `npm run bench` measures them, for that server alone.",
    )
    .option(
      "-u, --url <url>",
      "the server's WebSocket URL (env POSTOFFICE_URL)",
      process.env.POSTOFFICE_URL ?? "ws://127.0.0.1:8080/ws",
    )
    .option(
      "--secret <secret>",
      "the server's HS256 JWT secret, to sign a token for each user (env POSTOFFICE_JWT_SECRET)",
    )
    .option("--anonymous", "the server is in anonymous mode: users named with ?client_id=")
    .option("--pid <pid>", "process id of a local server, to report its CPU (and RSS)")
    .option("--quick", "smaller counts and durations: under half a minute")
    .option("--only <list>", "scenarios, comma-separated: fanout, direct, idle, connrate")
    .option("--json <file>", "write every figure as JSON")
    .option("--markdown <file>", "write the table as Markdown")
    .allowUnknownOption(true)
    .allowExcessArguments(true)
    .addHelpText("after", HARNESS_OPTIONS)
    .action(async (flags: BenchFlags, command: Command) => {
      const usage = (message: string): never => command.error(message, { exitCode: EXIT.usage });
      // The harness checks that there is a secret or --anonymous; --secret alone it never sees
      // (the secret goes in its environment), so whether both were given is told here.
      const secret = flags.secret ?? process.env.POSTOFFICE_JWT_SECRET;
      if (flags.anonymous && flags.secret !== undefined)
        usage("error: give --secret or --anonymous, not both");
      if (!existsSync(HARNESS))
        usage(`error: the benchmark harness is not installed with this package (${HARNESS})`);
      const args = [HARNESS, "--url", flags.url];
      if (flags.anonymous) args.push("--anonymous");
      for (const [name, value] of [
        ["--pid", flags.pid],
        ["--only", flags.only],
        ["--json", flags.json],
        ["--markdown", flags.markdown],
      ] as const)
        if (value !== undefined) args.push(name, value);
      if (flags.quick) args.push("--quick");
      args.push(...command.args);
      process.exitCode = await runHarness(args, flags.anonymous ? undefined : secret);
    });
}

/**
 * Runs the harness with this package's node; the secret goes in its environment, never on a
 * command line that `ps` shows. Ctrl-C reaches both processes: the harness stops its
 * generators and exits, and this one waits for it.
 */
function runHarness(args: string[], secret: string | undefined): Promise<number> {
  const env = { ...process.env };
  if (secret === undefined) delete env.POSTOFFICE_JWT_SECRET;
  else env.POSTOFFICE_JWT_SECRET = secret;
  const child = spawn(process.execPath, args, { stdio: "inherit", env });
  const ignore = () => {};
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  const onTerm = forward("SIGTERM");
  process.on("SIGINT", ignore);
  process.on("SIGTERM", onTerm);
  return new Promise((resolve) => {
    const done = (code: number) => {
      process.off("SIGINT", ignore);
      process.off("SIGTERM", onTerm);
      resolve(code);
    };
    child.once("error", (error) => {
      console.error(`postoffice bench: ${error.message}`);
      done(1);
    });
    child.once("exit", (code, signal) => done(code ?? (signal === "SIGINT" ? 130 : 1)));
  });
}
