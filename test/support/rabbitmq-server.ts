import { type ChildProcess, spawn } from "node:child_process";
import { realpathSync } from "node:fs";
import { mkdtemp, open, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "amqplib";
import { freePort } from "./child-server.js";
import { programPath } from "./system-programs.js";

/**
 * The script that runs a node as whoever calls it. Debian's `/usr/sbin/rabbitmq-server` is a
 * wrapper that only root or the `rabbitmq` user may run, and as root it switches to
 * `rabbitmq`, who cannot write in our temp directory: take the script it wraps.
 */
function serverScript(): string {
  const found = programPath("rabbitmq-server");
  return realpathSync(found).endsWith("rabbitmq-script-wrapper") ? DEBIAN_SCRIPT : found;
}
const DEBIAN_SCRIPT = "/usr/lib/rabbitmq/bin/rabbitmq-server";
/** Erlang's name registry, from erlang-base (a dependency of rabbitmq-server). */
const EPMD = "epmd";

const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;

export interface TestRabbit {
  /** `amqp://guest:guest@127.0.0.1:<port>` */
  url: string;
  port: number;
  /** Its data (mnesia), logs and configuration. */
  dir: string;
  /** How long the last start took, until it accepted an AMQP connection. */
  startMs: number;
  /** Stops the node: SIGTERM (a clean stop) or SIGKILL (a crash); its data stays in `dir`. */
  stop(signal?: "SIGTERM" | "SIGKILL"): Promise<void>;
  /** Starts it again on the same ports and data directory (durable queues recovered). */
  restart(): Promise<void>;
  /** Stops it (SIGKILL), stops its epmd and removes its data. */
  destroy(): Promise<void>;
}

/**
 * A real RabbitMQ node on 127.0.0.1, isolated from any other on the machine: its own node
 * name, AMQP port and distribution port (free ports), its own epmd on a free port (the
 * name registry every Erlang node needs; `ERL_EPMD_PORT` points the node at it), its own
 * configuration, data and log directory under a temp dir, no plugins, and no environment
 * file from /etc. Each test file starts one and destroys it afterwards. For suites declared
 * with `describeWith("rabbitmq-server", ...)`.
 */
export async function startRabbit(): Promise<TestRabbit> {
  const script = serverScript();
  const dir = await mkdtemp(join(tmpdir(), "postoffice-rabbitmq-"));
  const [port, distPort, epmdPort] = [await freePort(), await freePort(), await freePort()];
  const name = `postoffice-${process.pid}-${port}@localhost`;
  await writeFile(
    join(dir, "rabbitmq.conf"),
    [
      `listeners.tcp.default = 127.0.0.1:${port}`,
      // Tests connect as guest; the default already allows it on loopback, this says so.
      "loopback_users = none",
      // A nearly full disk must not block the tests' publishers (the default is 50 MB).
      "disk_free_limit.absolute = 1MB",
      "",
    ].join("\n"),
  );
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    // Where Erlang writes the node's cookie (.erlang.cookie).
    HOME: dir,
    ERL_EPMD_PORT: String(epmdPort),
    RABBITMQ_NODENAME: name,
    RABBITMQ_NODE_IP_ADDRESS: "127.0.0.1",
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_CONFIG_FILE: join(dir, "rabbitmq.conf"),
    RABBITMQ_ADVANCED_CONFIG_FILE: join(dir, "advanced.config"),
    RABBITMQ_CONF_ENV_FILE: join(dir, "rabbitmq-env.conf"),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, "enabled_plugins"),
    RABBITMQ_MNESIA_BASE: join(dir, "mnesia"),
    RABBITMQ_LOG_BASE: join(dir, "log"),
    RABBITMQ_PID_FILE: join(dir, "rabbitmq.pid"),
    RABBITMQ_LOGS: "-",
    // The distribution listener on loopback too (it binds every interface by default).
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: "-kernel inet_dist_use_interface {127,0,0,1}",
  };
  const url = `amqp://guest:guest@127.0.0.1:${port}`;
  const logFile = join(dir, "rabbitmq.out");

  const epmd = spawn(EPMD, ["-port", String(epmdPort), "-address", "127.0.0.1"], {
    stdio: "ignore",
  });
  // Without epmd the node cannot start; its own error then says why, this one is kept for it.
  let epmdError = "";
  epmd.once("error", (error) => {
    epmdError = ` (epmd: ${error.message})`;
  });
  let node: ChildProcess | undefined;

  const launch = async (): Promise<number> => {
    const started = performance.now();
    const out = await open(logFile, "a");
    // Its own process group: the script runs the VM as a child, and a crash kills both.
    const child = spawn(script, [], {
      env,
      cwd: dir,
      detached: true,
      stdio: ["ignore", out.fd, out.fd],
    });
    await out.close();
    node = child;
    const exited = new Promise<never>((_, reject) => {
      child.once("error", (error) => reject(new Error(`cannot run ${script}: ${error}`)));
      child.once("exit", (code, signal) =>
        reject(new Error(`rabbitmq-server exited (${code ?? signal}) while starting`)),
      );
    });
    try {
      await Promise.race([untilAccepting(url), exited]);
    } catch (error) {
      await kill(child, "SIGKILL");
      const tail = (await readFile(logFile, "utf8").catch(() => "")).slice(-3000);
      throw new Error(`${(error as Error).message}${epmdError}\n${tail}`);
    }
    exited.catch(() => undefined);
    return Math.round(performance.now() - started);
  };

  const rabbit: TestRabbit = {
    url,
    port,
    dir,
    startMs: 0,
    async stop(signal = "SIGTERM") {
      const running = node;
      node = undefined;
      if (running) await kill(running, signal);
      // The listeners close as the VM dies, which may be a moment after its script.
      await untilFree([port, distPort]);
    },
    async restart() {
      rabbit.startMs = await launch();
    },
    async destroy() {
      await rabbit.stop("SIGKILL");
      epmd.kill("SIGKILL");
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    rabbit.startMs = await launch();
  } catch (error) {
    epmd.kill("SIGKILL");
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return rabbit;
}

/**
 * SIGTERM goes to the script, which stops the VM cleanly and waits for it; SIGKILL goes to
 * the whole process group (script and VM), as a crash would. Bounded: a clean stop that
 * takes too long becomes a kill.
 */
async function kill(child: ChildProcess, signal: "SIGTERM" | "SIGKILL"): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const group = -child.pid;
  if (signal === "SIGKILL") killGroup(group);
  else child.kill("SIGTERM");
  const timer = setTimeout(() => killGroup(group), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

function killGroup(group: number): void {
  try {
    process.kill(group, "SIGKILL");
  } catch {
    // The group is already gone.
  }
}

async function untilAccepting(url: string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    try {
      const connection = await connect(url);
      await connection.close();
      return;
    } catch (error) {
      if (Date.now() > deadline) {
        throw new Error(`RabbitMQ did not accept connections in ${START_TIMEOUT_MS} ms: ${error}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

async function untilFree(ports: number[]): Promise<void> {
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  for (const port of ports) {
    while (!(await canListen(port))) {
      if (Date.now() > deadline) throw new Error(`port ${port} still taken after the stop`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}
