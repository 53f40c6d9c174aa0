import { tokenFor } from "./chaos-tokens.js";
import { check, type Verdict } from "./checks.js";
import { type MailboxContents, readMailbox } from "./final-read.js";
import { Ledger } from "./ledger.js";
import { type DeviceKind, RecipientDevice, type SlowOutcome } from "./recipient-device.js";
import { RedisNetwork } from "./redis-network.js";
import { SeededRandom } from "./seeded-random.js";
import { Sender } from "./sender.js";
import { SingleNode } from "./single-node.js";
import { sleep } from "./sleep.js";
import type { FaultKind, Timings, Topology } from "./topology.js";
import { WireSession } from "./wire-session.js";

export interface ChaosOptions {
  seed: number;
  cycles: number;
  topology: "sqlite" | "redis";
  /** dist/cli/main.js of the build under test. */
  cli: string;
  senders?: number;
  recipients?: number;
  /** New mail per second and sender. */
  mailsPerSecond?: number;
  /** The faults to draw from, with their weights (default: all the topology supports). */
  faults?: Partial<Record<FaultKind, number>>;
  /** Traffic between two faults, in ms: [min, max]. */
  trafficMs?: [number, number];
  /** Progress lines (every tenth of the run). */
  log?: (line: string) => void;
}

export interface ChaosReport {
  seed: number;
  topology: "sqlite" | "redis";
  cycles: number;
  faults: Partial<Record<FaultKind, number>>;
  verdict: Verdict;
  /** Anomalies seen while the run went on (gaps, duplicates in a session, ...), by kind. */
  live: Record<string, number>;
  examples: string[];
  timings: Timings;
  slowReaders: Record<string, number>;
  /** Sessions that could not start (`internal_error`, 1011): allowed, counted. */
  sessionsFailed: number;
  /** Mail still not accepted when the run ended (the server would not take it back). */
  unresolved: number;
  /** How each node exited on SIGTERM at the end. */
  exits: string[];
  finalIntegrity: string;
  durationMs: number;
}

/**
 * A slow-reader fault pours big mail on the paused device, a round at a time, until a node
 * counts a slow reader: the kernel's socket buffers on loopback can take megabytes first.
 */
const FLOOD_MAILS = 250;
const FLOOD_PAD_BYTES = 8000;
const FLOOD_ROUNDS = 8;

/**
 * One randomized run: senders, recipients with two devices each (one resuming with `since`),
 * and a fault every few hundred milliseconds, while the traffic goes on; then every mail owed
 * is retried until accepted, every mailbox is read whole, and the checks run.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const started = Date.now();
  const rng = new SeededRandom(options.seed);
  const topology: Topology =
    options.topology === "sqlite" ? new SingleNode(options.cli) : new RedisNetwork(options.cli);
  const ledger = new Ledger();
  const faults: Partial<Record<FaultKind, number>> = {};
  const slowReaders: Record<string, number> = {};
  const log = options.log ?? (() => undefined);
  const [minTraffic, maxTraffic] = options.trafficMs ?? [50, 400];
  try {
    await topology.start();
    const actors = await makeActors(options, topology, ledger, rng);
    for (const actor of [...actors.senders, actors.flooder, ...actors.devices]) actor.start();

    for (let cycle = 1; cycle <= options.cycles; cycle++) {
      await sleep(rng.int(minTraffic, maxTraffic));
      const kind = rng.weighted((options.faults ?? topology.faults) as Record<FaultKind, number>);
      faults[kind] = (faults[kind] ?? 0) + 1;
      if (kind === "slow_reader") {
        const outcome = await slowReader(actors.devices, actors.flooder, rng, topology);
        slowReaders[String(outcome)] = (slowReaders[String(outcome)] ?? 0) + 1;
      } else {
        await topology.inject(kind, rng, cycle % 20 === 0);
      }
      if (cycle % Math.max(1, Math.round(options.cycles / 10)) === 0) {
        log(progress(cycle, options.cycles, ledger, topology.timings));
      }
    }

    // Let the traffic run on without faults for a moment, then have every mail owed accepted.
    await sleep(300);
    for (const sender of actors.senders) sender.stopProducing();
    const settled = await Promise.all(
      [...actors.senders, actors.flooder].map((sender) => sender.settle(30_000)),
    );
    const unresolved = settled.some((ok) => !ok)
      ? [...actors.senders, actors.flooder].reduce((sum, sender) => sum + sender.owed, 0)
      : 0;
    await Promise.all([...actors.senders, actors.flooder, ...actors.devices].map((a) => a.stop()));

    const { recipients, senders } = await readEverything(actors, topology, rng);
    const verdict = check(ledger, recipients, senders);
    const exits = await topology.stop();
    const finalIntegrity = await topology.finalIntegrity();
    return {
      seed: options.seed,
      topology: topology.name,
      cycles: options.cycles,
      faults,
      verdict,
      live: Object.fromEntries(ledger.anomalies),
      examples: ledger.examples,
      timings: topology.timings,
      slowReaders,
      sessionsFailed: ledger.sessionsFailed,
      unresolved,
      exits,
      finalIntegrity,
      durationMs: Date.now() - started,
    };
  } finally {
    await topology.destroy();
  }
}

interface Actors {
  senders: Sender[];
  flooder: Sender;
  devices: RecipientDevice[];
  tokens: Map<string, string>;
  recipientUsers: string[];
}

async function makeActors(
  options: ChaosOptions,
  topology: Topology,
  ledger: Ledger,
  rng: SeededRandom,
): Promise<Actors> {
  const recipientUsers = range(options.recipients ?? 4).map((i) => `r${i}`);
  const senderUsers = range(options.senders ?? 3).map((i) => `s${i}`);
  const tokens = new Map<string, string>();
  for (const user of [...recipientUsers, ...senderUsers, "flood", "probe"])
    tokens.set(user, await tokenFor(user));
  const token = (user: string): string => tokens.get(user) ?? "";
  const urlPicker = (actorRng: SeededRandom) => () => topology.url(actorRng);
  const sender = (user: string, mailsPerSecond: number): Sender => {
    const actorRng = rng.fork();
    return new Sender({
      user,
      token: token(user),
      recipients: recipientUsers,
      ledger,
      rng: actorRng,
      url: urlPicker(actorRng),
      mailsPerSecond,
      abandonRefused: 0.1,
      abandonUnanswered: 0.03,
    });
  };
  const senders = senderUsers.map((user) => sender(user, options.mailsPerSecond ?? 150));
  const flooder = sender("flood", 0);
  const devices = recipientUsers.flatMap((user) =>
    (["since", "plain"] as DeviceKind[]).map((kind) => {
      const actorRng = rng.fork();
      return new RecipientDevice({
        user,
        kind,
        token: token(user),
        ledger,
        rng: actorRng,
        url: urlPicker(actorRng),
      });
    }),
  );
  return { senders, flooder, devices, tokens, recipientUsers };
}

/**
 * A device stops reading while big mail pours into its mailbox: the server must cut it
 * (1013 `slow_reader`, or a drop) rather than hold the mail in memory; its mail stays in the
 * mailbox (checked at the end like any other).
 */
async function slowReader(
  devices: RecipientDevice[],
  flooder: Sender,
  rng: SeededRandom,
  topology: Topology,
): Promise<SlowOutcome> {
  const deadline = Date.now() + 2000;
  let device = rng.pick(devices);
  while (!device.connected) {
    if (Date.now() > deadline) return "no_session";
    await sleep(20);
    device = rng.pick(devices);
  }
  const slow = device.goSlow();
  const before = await slowReadersCounted(topology);
  for (let round = 0; round < FLOOD_ROUNDS; round++) {
    flooder.enqueue(device.user, FLOOD_MAILS, FLOOD_PAD_BYTES);
    await flooder.settle(15_000);
    if ((await slowReadersCounted(topology)) > before) break;
  }
  return slow.finish(3000);
}

/** `postoffice_slow_readers_total`, summed over the nodes (one that does not answer counts 0). */
async function slowReadersCounted(topology: Topology): Promise<number> {
  let sum = 0;
  for (const base of topology.httpUrls()) {
    const text = await fetch(`${base}/metrics`).then(
      (response) => response.text(),
      () => "",
    );
    const line = text.split("\n").find((l) => l.startsWith("postoffice_slow_readers_total"));
    sum += Number(line?.split(" ").pop() ?? 0) || 0;
  }
  return sum;
}

async function readEverything(
  actors: Actors,
  topology: Topology,
  rng: SeededRandom,
): Promise<{ recipients: MailboxContents[]; senders: MailboxContents[] }> {
  const tokenOf = (user: string): string => actors.tokens.get(user) ?? "";
  const url = topology.url(rng);
  const probe = await WireSession.open({ url, token: tokenOf("probe"), onFrame: () => undefined });
  try {
    const read = (user: string, ackAll: boolean) =>
      readMailbox({ url, token: tokenOf(user), probe, user, ackAll, timeoutMs: 60_000 });
    const recipients: MailboxContents[] = [];
    for (const user of actors.recipientUsers) recipients.push(await read(user, true));
    const senders: MailboxContents[] = [];
    for (const sender of [...actors.senders, actors.flooder])
      senders.push(await read(sender.user, false));
    return { recipients, senders };
  } finally {
    probe.close();
  }
}

function progress(cycle: number, cycles: number, ledger: Ledger, timings: Timings): string {
  const accepted = ledger.acceptedCount();
  const last = timings.restarts[timings.restarts.length - 1];
  return `cycle ${cycle}/${cycles}: ${ledger.mails.size} mails, ${accepted} accepted, last restart ${last === undefined ? "-" : Math.round(last)} ms`;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
