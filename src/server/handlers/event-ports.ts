import type { ErrorCode, JsonObject } from "../../protocol/index.js";
import type { Identity } from "../auth/identity.js";
import {
  type EventNotice,
  type EventPorts,
  type MailAccepted,
  PORT_OK,
  type PortResult,
  type Sender,
} from "../events/ports.js";
import type { PortRefusalCode } from "../events/refusal.js";
import type { NoticeRouter } from "../router/notice-router.js";
import { forbidden, mailRefusal, type PortRefused } from "../router/port-refusals.js";
import type { RoomRouter } from "../router/room-router.js";
import type { Router } from "../router/router.js";
import type { Permissions } from "../rules/permissions.js";
import type { Session } from "../session/session.js";

/** What the ports of a session's events act through. */
export interface EventPortsDeps {
  router: Router;
  rooms: RoomRouter;
  notices: NoticeRouter;
}

/**
 * What an event may do, done for the session that sent it, as that session's native frames
 * would be [EVENT-1]: the same permissions (those in force when the event started: a reload does not
 * change the rules of an event in flight), the same room limits, the same mail path
 * [DELIVERY-1]. A refusal is returned with the native frame's code; a failure of the server
 * is thrown, and the engine answers `action_failed`.
 */
export class SessionEventPorts implements EventPorts {
  readonly sender: Sender;

  constructor(
    private readonly session: Session,
    private readonly identity: Identity,
    private readonly permissions: Permissions,
    private readonly deps: EventPortsDeps,
  ) {
    this.sender = {
      userId: identity.userId,
      roles: identity.roles,
      claims: identity.claims,
      connectionId: session.id,
    };
  }

  isMember(room: string): boolean {
    return this.session.inRoom(room);
  }

  async join(room: string): Promise<PortResult> {
    const decision = this.permissions.room(this.identity, "join", room);
    if (!decision.allowed) return forbidden(decision);
    // A connection that closed meanwhile must not be left in the room's presence.
    if (!this.session.isOpen) return PORT_OK;
    const joined = await this.deps.rooms.join(this.session, this.identity, room, undefined);
    return joined.ok ? PORT_OK : refused(joined.code, joined.message);
  }

  async leave(room: string): Promise<PortResult<{ wasMember: boolean }>> {
    const wasMember = this.session.inRoom(room);
    await this.deps.rooms.leave(this.session, this.identity, room);
    return { ok: true, value: { wasMember } };
  }

  async notifyRoom(room: string, notice: EventNotice): Promise<PortResult> {
    const decision = this.permissions.room(this.identity, "send", room);
    if (!decision.allowed) return forbidden(decision);
    await this.deps.notices.toRoom(room, this.identity.userId, notice);
    return PORT_OK;
  }

  async notifyUser(userId: string, notice: EventNotice): Promise<PortResult> {
    if (userId !== this.identity.userId) {
      const decision = this.permissions.direct(this.identity, userId);
      if (!decision.allowed) return forbidden(decision);
    }
    await this.deps.notices.toUser(userId, this.identity.userId, notice);
    return PORT_OK;
  }

  notifyOrigin(notice: EventNotice): void {
    const frame = this.deps.notices.frame(this.identity.userId, notice);
    this.session.inOrder(() => this.session.send(frame));
  }

  async sendMail(
    to: string,
    body: JsonObject,
    ref: string | undefined,
  ): Promise<PortResult<MailAccepted>> {
    const decision = this.permissions.direct(this.identity, to);
    if (!decision.allowed) return forbidden(decision);
    try {
      const sent = await this.deps.router.sendMail(this.identity, { ...body, to }, ref);
      // What an event's receipt lists, without `online` (the native receipt never says it).
      return { ok: true, value: { id: sent.id, to: sent.to, seq: sent.seq, ts: sent.ts } };
    } catch (error) {
      const refusal = mailRefusal(error);
      if (refusal === undefined) throw error;
      return refusal;
    }
  }

  async broadcast(notice: EventNotice): Promise<PortResult> {
    const decision = this.permissions.broadcast(this.identity);
    if (!decision.allowed) return forbidden(decision);
    await this.deps.notices.toEveryone(this.identity.userId, notice);
    return PORT_OK;
  }
}

const PORT_CODES: ReadonlySet<ErrorCode> = new Set<PortRefusalCode>([
  "forbidden",
  "not_a_member",
  "room_limit",
  "room_full",
  "mailbox_full",
  "store_unavailable",
  "rate_limited",
  "invalid_param",
]);

/** A refusal of the rooms or the store as the port's; a code a port cannot give is a failure. */
function refused(code: ErrorCode, message: string): PortRefused {
  if (!PORT_CODES.has(code)) throw new Error(`unexpected refusal ${code}: ${message}`);
  return { ok: false, code: code as PortRefusalCode, message };
}
