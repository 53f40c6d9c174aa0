import cluster from "node:cluster";
import { type Command, InvalidArgumentError } from "commander";
import { dialectNames } from "../server/config/schema/dialect-names.js";
import type { PostofficeNode } from "../server/node.js";
import { buildInfo } from "./build-info.js";
import { EXIT, exitWith } from "./exit-codes.js";
import { listenFailure } from "./listen-failure.js";
import { parseWorkers, runPrimary } from "./workers.js";

interface StartFlags {
  port?: string;
  host?: string;
  config?: string;
  dialect?: string;
  workers?: number;
}

export function registerStartCommand(program: Command): void {
  program
    .command("start")
    .description("Start a Postoffice node (embedded defaults when nothing is configured).")
    .option("-p, --port <port>", "port to listen on (env PORT / POSTOFFICE_PORT; default 8080)")
    .option("-H, --host <host>", "address to bind (env POSTOFFICE_HOST; default 0.0.0.0)")
    .option("-c, --config <file>", "configuration file, YAML or JSON (env POSTOFFICE_CONFIG)")
    .option(
      "-d, --dialect <name>",
      `how the clients of server.path talk: ${dialectNames.join(", ")} (env POSTOFFICE_DIALECT; default native)`,
    )
    .option(
      "-w, --workers <count>",
      "worker processes sharing the port: a number or auto (needs redis.url; default 1)",
      (value: string) => {
        try {
          return parseWorkers(value);
        } catch (error) {
          throw new InvalidArgumentError((error as Error).message);
        }
      },
    )
    .action(async (flags: StartFlags) => {
      await start(flags);
    });
}

async function start(flags: StartFlags): Promise<void> {
  // Loaded here, not with the command line: a usage error or --help should not pay for them.
  const [{ loadConfigOrExit }, { createLogger }, { PostofficeNode }] = await Promise.all([
    import("./load-config-or-exit.js"),
    import("../server/log/logger.js"),
    import("../server/node.js"),
  ]);
  const { config, files } = await loadConfigOrExit(flags);
  const loadOptions = { cwd: process.cwd(), env: process.env, flags };
  const log = createLogger(config.log);
  const workers = flags.workers ?? 1;
  if (workers > 1 && cluster.isPrimary) {
    if (config.redis.url === "") {
      exitWith(
        EXIT.config,
        "--workers needs redis.url (POSTOFFICE_REDIS_URL): workers are separate processes and reach each other's users through Redis",
      );
    }
    runPrimary(workers, log);
    return;
  }
  log.info(
    { files },
    files.length > 0 ? "configuration loaded" : "no configuration file: using defaults",
  );
  // Signals are handled from here on, so that one that comes while the node starts (the
  // ready line is out before `start` returns) still drains it rather than killing it.
  let node: PostofficeNode | undefined;
  let stopping = false;
  const drainAndExit = (started: PostofficeNode): void => {
    started.drain().then(
      () => process.exit(EXIT.ok),
      (error: unknown) => {
        log.error({ err: error }, "drain failed");
        process.exit(EXIT.failed);
      },
    );
  };
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      log.warn({ signal }, "second signal: exiting without waiting for the drain");
      process.exit(EXIT.failed);
    }
    stopping = true;
    log.info({ signal }, "shutting down");
    if (node !== undefined) drainAndExit(node);
  };
  // A worker drains when its primary says so (SIGTERM); Ctrl-C reaches the whole process
  // group, and the primary turns it into that SIGTERM.
  if (cluster.isPrimary) process.on("SIGINT", stop);
  else process.on("SIGINT", () => undefined);
  process.on("SIGTERM", stop);
  // SIGHUP reloads the events, plug-ins and permissions, one reload after another.
  let reloading: Promise<unknown> = Promise.resolve();
  process.on("SIGHUP", () => {
    if (node === undefined || stopping) return;
    const running = node;
    reloading = reloading.then(async () => {
      const [{ reloadRules }, { loadNodeConfig }] = await Promise.all([
        import("../server/compose/reload-rules.js"),
        import("../server/compose/load-node-config.js"),
      ]);
      log.info({ signal: "SIGHUP" }, "reloading the rules");
      await reloadRules(running, () => loadNodeConfig(loadOptions), log).catch((error: unknown) =>
        log.error({ err: error }, "reload failed; the rules in force stay"),
      );
    });
  });
  try {
    node = await PostofficeNode.start(config, log, buildInfo());
  } catch (error) {
    // The port or address cannot be had: one line on stderr that says which and what to do,
    // as for a configuration error, rather than a stack.
    const cannotListen = listenFailure(error, config.server);
    if (cannotListen !== undefined) exitWith(EXIT.unavailable, cannotListen);
    log.fatal({ err: error }, "could not start");
    process.exit(EXIT.failed);
  }
  if (stopping) drainAndExit(node);
}
