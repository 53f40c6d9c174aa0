import type { JsonObject } from "../../src/protocol/index.js";
import type {
  EventNotice,
  EventPorts,
  MailAccepted,
  PortResult,
  Sender,
} from "../../src/server/events/ports.js";

export type PortCall =
  | { op: "join" | "leave"; room: string }
  | { op: "notifyRoom"; room: string; notice: EventNotice }
  | { op: "notifyUser"; user: string; notice: EventNotice }
  | { op: "notifyOrigin"; notice: EventNotice }
  | { op: "sendMail"; to: string; body: JsonObject; ref: string | undefined }
  | { op: "broadcast"; notice: EventNotice };

type Refusable = "join" | "leave" | "notifyRoom" | "notifyUser" | "sendMail" | "broadcast";

/**
 * The ports as a recording: what the engine asked the server to do, in order, with the
 * membership of the origin connection kept as a real session would. A port can be made to
 * refuse (as the permissions would) or to throw (as a failing server would).
 */
export class RecordingPorts implements EventPorts {
  readonly calls: PortCall[] = [];
  readonly rooms = new Set<string>();
  readonly refusals = new Map<Refusable, Extract<PortResult, { ok: false }>>();
  readonly failures = new Set<Refusable>();
  #mailSeq = 0;

  constructor(
    readonly sender: Sender = {
      userId: "alice",
      roles: ["member"],
      claims: { sub: "alice" },
      connectionId: "conn-1",
    },
  ) {}

  isMember(room: string): boolean {
    return this.rooms.has(room);
  }

  async join(room: string): Promise<PortResult> {
    return this.#do("join", { op: "join", room }, () => {
      this.rooms.add(room);
      return undefined;
    });
  }

  async leave(room: string): Promise<PortResult<{ wasMember: boolean }>> {
    return this.#do("leave", { op: "leave", room }, () => ({ wasMember: this.rooms.delete(room) }));
  }

  async notifyRoom(room: string, notice: EventNotice): Promise<PortResult> {
    return this.#do("notifyRoom", { op: "notifyRoom", room, notice }, () => undefined);
  }

  async notifyUser(user: string, notice: EventNotice): Promise<PortResult> {
    return this.#do("notifyUser", { op: "notifyUser", user, notice }, () => undefined);
  }

  notifyOrigin(notice: EventNotice): void {
    this.calls.push({ op: "notifyOrigin", notice });
  }

  async sendMail(
    to: string,
    body: JsonObject,
    ref: string | undefined,
  ): Promise<PortResult<MailAccepted>> {
    return this.#do("sendMail", { op: "sendMail", to, body, ref }, () => {
      this.#mailSeq += 1;
      return { id: `mail-${this.#mailSeq}`, to, seq: this.#mailSeq, ts: 1 };
    });
  }

  async broadcast(notice: EventNotice): Promise<PortResult> {
    return this.#do("broadcast", { op: "broadcast", notice }, () => undefined);
  }

  #do<T>(op: Refusable, call: PortCall, effect: () => T): PortResult<T> {
    if (this.failures.has(op)) throw new Error(`${op} failed (test)`);
    const refusal = this.refusals.get(op);
    if (refusal !== undefined) return refusal;
    this.calls.push(call);
    return { ok: true, value: effect() };
  }
}
