import type { Ledger } from "./ledger.js";
import type { SeededRandom } from "./seeded-random.js";
import { sleep } from "./sleep.js";
import { type WireFrame, WireSession } from "./wire-session.js";

/**
 * `since`: a device that keeps its own position and resumes from it [DELIVERY-3].
 * `plain`: a device that resumes after the mailbox's last acknowledgement.
 */
export type DeviceKind = "since" | "plain";

export interface DeviceOptions {
  user: string;
  kind: DeviceKind;
  token: string;
  ledger: Ledger;
  rng: SeededRandom;
  url: () => string;
}

/** What one session of the device has seen, to check it has no gap and no duplicate [DELIVERY-2]. */
interface SessionView {
  number: number;
  /** The `since` it gave; entries at or below it must not come. */
  since: number | undefined;
  /** The last seq it received (or where the session starts), once known. */
  last: number | undefined;
  acked: number;
}

/** The end of a slow-reader fault: how the paused connection ended. */
export type SlowOutcome = number | "not_cut" | "no_session";

/**
 * One device of a recipient that comes and goes: it connects (with its own `since`, or
 * not), stays a random while, acknowledges (sometimes with `read`) what it got, then closes
 * or drops its connection, and comes back later. Each session must get its entries in seq
 * order with no gap and no duplicate; across sessions, a mail may come again (redelivery),
 * always with the same id and seq.
 */
export class RecipientDevice {
  /** The last seq this device processed: its `since` on the next connection. */
  private position = 0;
  private readonly received = new Set<string>();
  private session: WireSession | undefined;
  private sessions = 0;
  private slow = false;
  private stopped = false;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;

  constructor(private readonly options: DeviceOptions) {}

  get user(): string {
    return this.options.user;
  }

  get connected(): boolean {
    return this.session?.isOpen === true && !this.slow;
  }

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    this.session?.resume();
    this.session?.close();
    await this.loop;
  }

  /**
   * Stops reading its connection (the server's writes pile up); `finish` reads again and
   * says how the connection ended within `timeoutMs`: its close code, or `not_cut`.
   */
  goSlow(): { finish: (timeoutMs: number) => Promise<SlowOutcome> } {
    const session = this.session;
    if (session === undefined || !session.isOpen || this.slow) {
      return { finish: async () => "no_session" };
    }
    this.slow = true;
    session.pause();
    return {
      finish: async (timeoutMs) => {
        session.resume();
        const outcome = await Promise.race([
          session.closed.then((close) => close.code),
          sleep(timeoutMs).then(() => "not_cut" as const),
        ]);
        this.slow = false;
        this.wake?.();
        return outcome;
      },
    };
  }

  private async run(): Promise<void> {
    const { rng } = this.options;
    while (!this.stopped) {
      try {
        await this.connectAndServe();
      } catch {
        // The node is down, draining or refusing: try again shortly.
      }
      if (!this.stopped) await sleep(rng.int(0, 300));
    }
  }

  private async connectAndServe(): Promise<void> {
    const { rng, kind } = this.options;
    const since = kind === "since" ? this.position : undefined;
    this.sessions += 1;
    const view: SessionView = { number: this.sessions, since, last: since, acked: 0 };
    const session = await WireSession.open({
      url: this.options.url(),
      token: this.options.token,
      since,
      onFrame: (frame) => this.onFrame(view, frame),
    });
    this.session = session;
    const acker = setInterval(() => this.ack(session, view), rng.int(20, 150));
    // Stay a while, unless the server goes first; a slow device waits for its fault to end.
    await Promise.race([session.closed, this.nap(rng.int(100, 1500))]);
    while (this.slow && !this.stopped) await this.nap(1000);
    clearInterval(acker);
    if (session.isOpen) {
      if (rng.chance(0.7)) session.close();
      else session.terminate();
    }
    await session.closed;
    this.session = undefined;
  }

  /** Sleeps, or less if the device is stopped or its slow-reader fault ends. */
  private nap(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done(): void {
        clearTimeout(timer);
        if (self.wake === done) self.wake = undefined;
        resolve();
      }
      this.wake = done;
    });
  }

  private ack(session: WireSession, view: SessionView): void {
    if (this.slow || view.last === undefined || view.last <= view.acked) return;
    const { rng, kind } = this.options;
    // The resuming device acknowledges now and then; the other does most of the acks.
    if (kind === "since" && !rng.chance(0.2)) return;
    view.acked = view.last;
    const type = rng.chance(0.2) ? "read" : "ack";
    session.send({ type, data: { seq: view.last } });
  }

  private onFrame(view: SessionView, frame: WireFrame): void {
    const data = frame.data ?? {};
    if (frame.type === "welcome") {
      const after = (data.mailbox as { after?: unknown } | undefined)?.after;
      if (typeof after !== "number") return;
      if (view.since !== undefined && after !== view.since) {
        this.options.ledger.anomaly(
          "since_violation",
          `${this.label(view)}: since ${view.since}, but the welcome says the mailbox starts after ${after}`,
        );
      }
      view.last = after;
      return;
    }
    if (frame.type !== "message" || typeof data.to !== "string") return;
    const id = String(data.id);
    const seq = Number(data.seq);
    const key = (data.body as { k?: unknown } | undefined)?.k;
    const { ledger } = this.options;
    ledger.observe(this.user, id, seq, typeof key === "string" ? key : undefined);
    if (view.since !== undefined && seq <= view.since) {
      ledger.anomaly("since_violation", `${this.label(view)}: seq ${seq} with since ${view.since}`);
    } else if (view.last !== undefined && seq <= view.last) {
      ledger.anomaly("session_duplicate", `${this.label(view)}: seq ${seq} after ${view.last}`);
    } else if (view.last !== undefined && seq !== view.last + 1) {
      ledger.anomaly("session_gap", `${this.label(view)}: seq ${seq} after ${view.last}`);
    }
    view.last = Math.max(view.last ?? 0, seq);
    if (this.received.has(id)) ledger.redeliveries += 1;
    else this.received.add(id);
    if (this.options.kind === "since") this.position = Math.max(this.position, seq);
  }

  private label(view: SessionView): string {
    return `${this.user}/${this.options.kind} session ${view.number}`;
  }
}
