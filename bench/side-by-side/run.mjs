// One run of the side-by-side benchmark, as its scenarios see it: its options, its name (so
// that a server by URL never mixes runs up), progress on stderr, the server of each step, the
// generator processes and how their connections are spread over source addresses and open
// files. Every child process is tracked, so that an overrun or an interrupt kills them all.
/** @import { ChildProcess } from "node:child_process" */
/** @import { Options } from "./options.mjs" */
/** @import { BenchServer, ServerKind, Store } from "./servers.mjs" */
/** @import { ClientKind } from "./clients/load-client.mjs" */
/** @import { GeneratorProcess } from "./generator-process.mjs" */
/** @import { OpenParams, UserSpec } from "./generator/protocol.mjs" */
import { randomBytes } from "node:crypto";
import { fdLimits, SECRET } from "../lib.mjs";
import { FD_MARGIN, startGenerators } from "./generator-process.mjs";
import { checkRefusals } from "./report/refusals.mjs";
import { runningServers, SERVER_LABELS, startServer } from "./servers.mjs";

/** Client source addresses 127.0.0.2–127.0.0.201; 127.0.0.202 is the fan-out publisher's. */
const ADDRESSES = Array.from({ length: 200 }, (_, i) => `127.0.0.${i + 2}`);

export class Run {
  /** Names this run's users and room. */
  id = randomBytes(3).toString("hex");
  room = `bench-${this.id}`;
  started = performance.now();
  /** @type {Set<ChildProcess>} */
  children = new Set();
  /** @type {BenchServer | undefined} the server at --url, once probed */
  target = undefined;

  /** @param {Options} options */
  constructor(options) {
    this.options = options;
    // Only towards a loopback server: a server by URL elsewhere gets the system's choice, so
    // that ephemeral ports never run out here.
    this.spread = options.url === undefined || /^127\.\d+\.\d+\.\d+$/.test(options.url.hostname);
    /** @type {Array<string | undefined>} */
    this.publisherAddresses = this.spread ? ["127.0.0.202"] : [undefined];
  }

  /** @param {unknown[]} parts */
  log(...parts) {
    if (!this.options.quiet) console.error(...parts);
  }

  elapsed() {
    return `${((performance.now() - this.started) / 1000).toFixed(0)} s`;
  }

  /** @param {number} ms */
  sleep(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  killAll() {
    for (const child of [...this.children, ...runningServers]) child.kill("SIGKILL");
  }

  /**
   * The server of one step: a fresh process, or the one at --url.
   * @param {ServerKind} kind
   * @param {Store} [store]
   * @param {string} [config] more YAML for a Postoffice started here (declared events)
   * @returns {Promise<BenchServer>}
   */
  serverFor(kind, store, config) {
    if (this.target !== undefined) return Promise.resolve(this.target);
    return startServer(kind, { store, config, profileDir: this.options.profile });
  }

  /**
   * @param {ServerKind} kind
   * @returns {ClientKind}
   */
  clientKindOf(kind) {
    if (kind === "socketio")
      return this.options.sioClient === "official" ? "socketio-official" : "socketio";
    if (kind === "postoffice" && this.options.anonymous) return "postoffice-anonymous";
    return kind;
  }

  /** @param {ServerKind} kind */
  label(kind) {
    return this.options.url === undefined
      ? SERVER_LABELS[kind]
      : `Postoffice at ${this.options.url}`;
  }

  /**
   * The source addresses of generator `g` of `count`.
   * @param {number} g
   * @param {number} count
   * @returns {Array<string | undefined>}
   */
  addressesOf(g, count) {
    return this.spread ? ADDRESSES.filter((_, i) => i % count === g) : [undefined];
  }

  /**
   * Starts `count` generators for `server`, each to hold up to `connections` at once.
   * @param {number} count
   * @param {BenchServer} server
   * @param {number} size characters of padding in each body
   * @param {number} connections
   */
  generators(count, server, size, connections) {
    return startGenerators(
      this.children,
      count,
      {
        kind: this.clientKindOf(server.kind),
        host: server.host,
        url: server.url,
        secret: this.options.url === undefined ? SECRET : this.options.secret,
        size,
        parse: this.options.parse,
      },
      connections,
    );
  }

  /**
   * Opens connections on every generator at once, with progress on stderr every 2 s.
   * @param {GeneratorProcess[]} gens
   * @param {UserSpec[][]} perGen
   * @param {string} label
   * @param {Partial<OpenParams>} extra
   */
  async openAll(gens, perGen, label, extra) {
    const total = perGen.reduce((sum, users) => sum + users.length, 0);
    for (const g of gens) g.opened = 0;
    const ticker = setInterval(() => {
      const opened = gens.reduce((sum, g) => sum + g.opened, 0);
      this.log(`      ${label}: ${opened}/${total} connected (${this.elapsed()})`);
    }, 2000);
    try {
      const replies = await Promise.all(
        gens.map((g, i) =>
          g.call(
            "open",
            {
              users: perGen[i] ?? [],
              addresses: this.addressesOf(i, gens.length),
              concurrency: 32,
              role: "idle",
              ...extra,
            },
            600_000,
          ),
        ),
      );
      const failed = replies.reduce((sum, r) => sum + r.failed, 0);
      if (failed > 0) {
        this.log(`      ${label}: ${failed} of ${total} connections failed`);
        checkRefusals(await Promise.all(gens.map((g) => g.call("mark", {}))));
      }
    } finally {
      clearInterval(ticker);
    }
  }

  // Every Node process raises its own soft limit of open files to the hard limit when it starts
  // (node.cc, "Raise the open file descriptor limit"): the servers and generators started here
  // may each open as many files as the hard limit (`ulimit -Hn`) allows, whatever the soft
  // limit of the shell. So the hard limit is what bounds a process, and each generator reports
  // the soft limit it ended up with, which is checked before it opens anything.

  /**
   * Generators needed for `connections` open at once: each holds at most hard limit − margin.
   * @param {number} connections
   */
  generatorsFor(connections) {
    const hard = fdLimits()?.hard ?? Number.POSITIVE_INFINITY;
    const perProcess = hard - FD_MARGIN;
    if (perProcess <= 0) {
      console.error(`side-by-side: the hard limit of open files (${hard}) is too low`);
      process.exit(1);
    }
    return Math.max(this.options.generators, Math.ceil(connections / perProcess));
  }

  /**
   * The server must be able to hold `connections` open (its soft limit of open files).
   * @param {BenchServer} server
   * @param {number} connections
   */
  checkServerFds(server, connections) {
    if (server.pid === undefined) return;
    const soft = fdLimits(server.pid)?.soft;
    if (soft !== undefined && soft < connections + FD_MARGIN)
      throw new Error(
        `${server.kind} may open ${soft} files (ulimit -n), too few for ${connections} connections`,
      );
  }
}
