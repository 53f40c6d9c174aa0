import type { Attempt, Ledger, Mail } from "./ledger.js";
import { type WireClose, WireSession } from "./wire-session.js";

/**
 * A sender driven step by step by a test (the disk and drain scenarios): it sends the mails
 * it is given, pipelined, and records every answer in the ledger, so that the same checks as
 * the randomized runs apply.
 */
export class ScriptedSender {
  private n = 0;
  private readonly outstanding = new Map<string, Attempt>();
  private idle: (() => void) | undefined;
  /** Set once the server answered `server_shutdown`: a client then stops sending, as the SDK does. */
  private shutdownSeen = false;
  readonly closed: Promise<WireClose>;

  private constructor(
    private readonly session: WireSession,
    private readonly connection: number,
    private readonly ledger: Ledger,
    readonly user: string,
    private readonly prefix: string,
  ) {
    this.closed = session.closed.then((close) => {
      for (const attempt of this.outstanding.values()) ledger.unanswered(attempt);
      this.outstanding.clear();
      this.idle?.();
      return close;
    });
  }

  /** `prefix` keeps the mail keys of several connections of one user apart. */
  static async open(options: {
    url: string;
    token: string;
    user: string;
    ledger: Ledger;
    prefix?: string;
  }): Promise<ScriptedSender> {
    let self: ScriptedSender | undefined;
    const session = await WireSession.open({
      url: options.url,
      token: options.token,
      onFrame: (frame) => self?.onFrame(frame.type, frame.ref, frame.data ?? {}),
    });
    self = new ScriptedSender(
      session,
      options.ledger.newConnection(),
      options.ledger,
      options.user,
      options.prefix ?? options.user,
    );
    return self;
  }

  /** A new mail to `recipient` (not sent yet). */
  mail(recipient: string): Mail {
    this.n += 1;
    const key = `${this.prefix}-${this.n}`;
    const text = JSON.stringify({ type: "message", id: key, data: { to: recipient, k: key } });
    return this.ledger.newMail(key, this.user, recipient, text);
  }

  /** Sends (or resends, unchanged) each mail; resolves when all are answered or the connection ends. */
  async send(mails: Mail[]): Promise<void> {
    for (const mail of mails) {
      this.outstanding.set(mail.key, this.ledger.attempt(mail, this.connection));
      this.session.send(mail.text);
    }
    await this.settled();
  }

  /** Sends without waiting (a stream under load); `settled` waits for the answers. */
  fire(mail: Mail): void {
    this.outstanding.set(mail.key, this.ledger.attempt(mail, this.connection));
    this.session.send(mail.text);
  }

  get isOpen(): boolean {
    return this.session.isOpen;
  }

  /** Whether the server said it is draining (an answer `server_shutdown`). */
  get shuttingDown(): boolean {
    return this.shutdownSeen;
  }

  get waiting(): number {
    return this.outstanding.size;
  }

  settled(): Promise<void> {
    if (this.outstanding.size === 0 || !this.session.isOpen) return Promise.resolve();
    return new Promise((resolve) => {
      this.idle = resolve;
    });
  }

  close(): void {
    this.session.close();
  }

  private onFrame(type: string, ref: string | undefined, data: Record<string, unknown>): void {
    if (type !== "receipt" && type !== "error") return;
    if (type === "receipt" && data.status !== "accepted") return;
    const attempt = ref === undefined ? undefined : this.outstanding.get(ref);
    if (attempt === undefined) {
      this.ledger.anomaly(
        "unexpected_error",
        `${this.user}: ${type} ${String(data.code)} (ref ${ref})`,
      );
      return;
    }
    this.outstanding.delete(ref as string);
    if (data.code === "server_shutdown") this.shutdownSeen = true;
    if (type === "receipt") this.ledger.accepted(attempt, String(data.id), Number(data.ts));
    else this.ledger.refused(attempt, String(data.code));
    if (this.outstanding.size === 0) this.idle?.();
  }
}
