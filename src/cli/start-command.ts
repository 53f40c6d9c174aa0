import cluster from "node:cluster";
import type { Command } from "commander";
import { createLogger } from "../server/log/logger.js";
import { PostofficeNode } from "../server/node.js";
import { EXIT_CONFIG, loadConfigOrExit } from "./exit-codes.js";
import { parseWorkers, runPrimary } from "./workers.js";

interface StartFlags {
  port?: string;
  host?: string;
  config?: string;
  workers?: string;
}

export function registerStartCommand(program: Command): void {
  program
    .command("start")
    .description("Start a Postoffice node (embedded defaults when nothing is configured).")
    .option("-p, --port <port>", "port to listen on (env PORT / POSTOFFICE_PORT; default 8080)")
    .option("-H, --host <host>", "address to bind (env POSTOFFICE_HOST; default 0.0.0.0)")
    .option("-c, --config <file>", "configuration file, YAML or JSON (env POSTOFFICE_CONFIG)")
    .option(
      "-w, --workers <count>",
      "worker processes sharing the port: a number or auto (needs redis.url; default 1)",
    )
    .action(async (flags: StartFlags) => {
      await start(flags);
    });
}

async function start(flags: StartFlags): Promise<void> {
  const { config, files } = await loadConfigOrExit(flags);
  const log = createLogger(config.log);
  let workers: number;
  try {
    workers = parseWorkers(flags.workers);
  } catch (error) {
    console.error(`postoffice: ${(error as Error).message}`);
    process.exit(EXIT_CONFIG);
  }
  if (workers > 1 && cluster.isPrimary) {
    if (config.redis.url === "") {
      console.error(
        "postoffice: --workers needs redis.url (POSTOFFICE_REDIS_URL): workers are separate processes and reach each other's users through Redis",
      );
      process.exit(EXIT_CONFIG);
    }
    runPrimary(workers, log);
    return;
  }
  log.info(
    { files },
    files.length > 0 ? "configuration loaded" : "no configuration file: using defaults",
  );
  let node: PostofficeNode;
  try {
    node = await PostofficeNode.start(config, log);
  } catch (error) {
    log.fatal({ err: error }, "could not start");
    process.exit(1);
  }
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      log.warn({ signal }, "second signal: exiting without waiting for the drain");
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, "shutting down");
    node.drain().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, "drain failed");
        process.exit(1);
      },
    );
  };
  // A worker drains when its primary says so (SIGTERM); Ctrl-C reaches the whole process
  // group, and the primary turns it into that SIGTERM.
  if (cluster.isPrimary) process.on("SIGINT", stop);
  else process.on("SIGINT", () => undefined);
  process.on("SIGTERM", stop);
}
