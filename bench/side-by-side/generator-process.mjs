// The orchestrator's handle on one generator process (generator.mjs): typed requests over
// IPC, each answered once, with a timeout; events (`progress`, `min`) go to `onEvent`.
/** @import { ChildProcess } from "node:child_process" */
/** @import { Command, GeneratorCommands, GeneratorEvent, GeneratorMessage, InitParams } from "./generator/protocol.mjs" */
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";

const GENERATOR = fileURLToPath(new URL("./generator.mjs", import.meta.url));

/** Open files a process needs besides its connections (Node's own, the SQLite store, logs). */
export const FD_MARGIN = 200;

/** @typedef {{ resolve: (reply: Record<string, unknown>) => void, reject: (error: Error) => void }} Pending */

export class GeneratorProcess {
  /** @type {Map<number, Pending>} */
  pending = new Map();
  rid = 0;
  /** Connections opened so far (from `progress`). */
  opened = 0;
  /** @type {(event: GeneratorEvent) => void} */
  onEvent = () => {};

  /** @param {Set<ChildProcess>} children where it is tracked while it runs */
  constructor(children) {
    /** @type {ChildProcess} */
    this.child = fork(GENERATOR, [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    children.add(this.child);
    /** @type {Promise<number | null>} */
    this.exited = new Promise((resolve) =>
      this.child.once("exit", (code) => {
        children.delete(this.child);
        for (const { reject } of this.pending.values())
          reject(new Error(`generator exited (${code})`));
        this.pending.clear();
        resolve(code);
      }),
    );
    this.child.on("message", (/** @type {GeneratorMessage} */ message) => {
      if (message.rid === undefined) {
        const event = /** @type {GeneratorEvent} */ (message);
        if (event.ev === "progress") this.opened = event.opened;
        this.onEvent(event);
        return;
      }
      const waiter = this.pending.get(message.rid);
      if (waiter === undefined) return;
      this.pending.delete(message.rid);
      if (typeof message.error === "string") waiter.reject(new Error(message.error));
      else waiter.resolve(message);
    });
  }

  /**
   * @template {Command} C
   * @param {C} cmd
   * @param {GeneratorCommands[C][0]} params
   * @param {number} [timeoutMs]
   * @returns {Promise<GeneratorCommands[C][1]>}
   */
  call(cmd, params, timeoutMs = 120_000) {
    const rid = ++this.rid;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(rid);
        reject(new Error(`generator: ${cmd} timed out`));
      }, timeoutMs);
      this.pending.set(rid, {
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(/** @type {GeneratorCommands[C][1]} */ (reply));
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.child.send({ cmd, rid, ...params });
    });
  }

  /**
   * A request without a reply (sent often).
   * @param {"min"} cmd
   * @param {GeneratorCommands["min"][0]} params
   */
  post(cmd, params) {
    if (this.child.connected) this.child.send({ cmd, ...params });
  }

  async exit() {
    await this.call("exit", {}, 10_000).catch(() => {});
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/**
 * Starts `count` generators for a server; `connections`: how many each will hold open at once,
 * checked against its own limit of open files.
 * @param {Set<ChildProcess>} children
 * @param {number} count
 * @param {InitParams} init
 * @param {number} connections
 */
export async function startGenerators(children, count, init, connections) {
  const need = connections + FD_MARGIN;
  const gens = Array.from({ length: count }, () => new GeneratorProcess(children));
  const replies = await Promise.all(gens.map((g) => g.call("init", init)));
  const short = replies.find((r) => r.fdSoft !== null && r.fdSoft < need);
  if (short !== undefined) {
    await Promise.all(gens.map((g) => g.exit()));
    throw new Error(
      `a generator may open ${short.fdSoft} files and needs ${need} for ${connections} connections: ` +
        `raise the hard limit (\`ulimit -Hn\`) or use more --generators`,
    );
  }
  return gens;
}
