import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./free-port.js";
import { sqliteIntegrity } from "./integrity.js";
import type { ManagedProcess } from "./managed-process.js";
import { postofficeNode } from "./postoffice-node.js";
import type { SeededRandom } from "./seeded-random.js";
import { sleep } from "./sleep.js";
import type { FaultKind, Timings, Topology } from "./topology.js";

/** One node on the default SQLite store (`synchronous: full`), killed and restarted on its data. */
export class SingleNode implements Topology {
  readonly name = "sqlite";
  readonly faults = { kill: 60, kill_starting: 10, pause: 20, slow_reader: 10 };
  readonly timings: Timings = { restarts: [], recoveries: {}, integrity: [], integrityChecks: 0 };
  private dir = "";
  private port = 0;
  private node: ManagedProcess | undefined;

  constructor(private readonly cli: string) {}

  private get database(): string {
    return join(this.dir, "node", "data", "mailboxes.db");
  }

  async start(): Promise<void> {
    this.dir = await mkdtemp(join(tmpdir(), "postoffice-chaos-"));
    this.port = await freePort();
    this.node = postofficeNode({
      name: "postoffice",
      cli: this.cli,
      dir: join(this.dir, "node"),
      port: this.port,
    });
    this.timings.restarts.push(await this.node.start());
  }

  httpUrls(): string[] {
    return [`http://127.0.0.1:${this.port}`];
  }

  url(): string {
    return `ws://127.0.0.1:${this.port}/ws`;
  }

  async inject(kind: FaultKind, rng: SeededRandom, checkIntegrity: boolean): Promise<void> {
    const node = this.required();
    switch (kind) {
      case "kill":
      case "kill_starting":
        await node.signal("SIGKILL");
        if (checkIntegrity) this.checkIntegrity();
        if (kind === "kill_starting") {
          const starting = node.spawn();
          await Promise.race([starting, sleep(rng.int(0, 400))]);
          await node.signal("SIGKILL");
        }
        this.timings.restarts.push(await node.start());
        return;
      case "pause":
        await node.signal("SIGSTOP");
        await sleep(rng.int(100, 1000));
        await node.signal("SIGCONT");
        return;
      case "slow_reader":
      case "kill_redis":
      case "pause_redis":
        throw new Error(`${kind} is not a fault of a single node`);
    }
  }

  async stop(): Promise<string[]> {
    const node = this.required();
    await node.signal("SIGTERM");
    const exit = await node.waitForExit(15_000);
    return [exit === "timeout" ? "did not exit within 15 s" : `exit ${exit.code ?? exit.signal}`];
  }

  async finalIntegrity(): Promise<string> {
    return this.checkIntegrity();
  }

  async destroy(): Promise<void> {
    if (this.node?.running) {
      await this.node.signal("SIGCONT");
      await this.node.signal("SIGKILL");
    }
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }

  private checkIntegrity(): string {
    this.timings.integrityChecks += 1;
    const result = sqliteIntegrity(this.database);
    if (!result.startsWith("ok")) this.timings.integrity.push(result);
    return result;
  }

  private required(): ManagedProcess {
    if (!this.node) throw new Error("not started");
    return this.node;
  }
}
