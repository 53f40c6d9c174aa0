import { randomUUID } from "node:crypto";
import type {
  DeliveredBroadcastFrame,
  ErrorCode,
  JsonObject,
  PresenceFrame,
  RoomMessage,
} from "../../protocol/index.js";
import { type ActivitySink, NO_ACTIVITY } from "../activity/activity-feed.js";
import type { Identity } from "../auth/identity.js";
import { type Broker, topics } from "../broker/broker.js";
import type { Metrics } from "../metrics/metrics.js";
import type { LocalRooms } from "../rooms/local-rooms.js";
import type { Presence } from "../rooms/presence.js";
import type { RoomLog } from "../rooms/room-log.js";
import type { RoomMember } from "../rooms/room-member.js";
import { globToRegExp } from "../rules/glob.js";
import { encodeRoomMessage } from "./encode-entry.js";

export interface RoomSettings {
  /** Tell members when a user joins or leaves. */
  presence: boolean;
  /** Messages kept for members who rejoin with `since` (0: none). */
  history: number;
}

export interface RoomLimits {
  maxPerConnection: number;
  maxMembers: number;
  /**
   * Connections in a room from which on its presence events stop (`rooms.presenceMaxMembers`):
   * each would cost every member a frame, so filling a room would cost the square of its size.
   * Absent or 0: no bound.
   */
  presenceMaxMembers?: number;
}

const NO_SETTINGS: RoomSettings = { presence: false, history: 0 };
const SETTINGS_CACHE_SIZE = 10_000;

export type RoomOutcome<T> =
  | { ok: true; value: T }
  | { ok: false; code: ErrorCode; message: string };

/**
 * Rooms and broadcast: membership, presence, the room's sequence and history, and fan-out
 * that encodes each message once for every member on every node [ROOM-2]. Knows sessions
 * only as room members (rooms/room-member.ts), which keep their own positions in the rooms;
 * permissions are checked by the handlers before they call it.
 */
export class RoomRouter {
  private readonly settings: Array<{ match: RegExp } & RoomSettings>;
  private readonly settingsByRoom = new Map<string, RoomSettings>();

  constructor(
    private readonly broker: Broker,
    private readonly presence: Presence,
    private readonly log: RoomLog,
    private readonly local: LocalRooms,
    settings: ReadonlyArray<{ match: string } & RoomSettings>,
    private readonly limits: RoomLimits,
    private readonly metrics: Metrics,
    private readonly clock: () => number = Date.now,
    /** Told of each user's first join to a room and last leave, here (the AMQP bridge). */
    private readonly activity: ActivitySink = NO_ACTIVITY,
  ) {
    this.settings = settings.map((entry) => ({ ...entry, match: globToRegExp(entry.match) }));
  }

  /** The first matching `rooms.settings` entry, looked up once per room (bounded cache). */
  settingsOf(room: string): RoomSettings {
    let found = this.settingsByRoom.get(room);
    if (found === undefined) {
      found = this.settings.find((entry) => entry.match.test(room)) ?? NO_SETTINGS;
      if (this.settingsByRoom.size >= SETTINGS_CACHE_SIZE) this.settingsByRoom.clear();
      this.settingsByRoom.set(room, found);
    }
    return found;
  }

  /**
   * Joins the member to the room; with `since`, sends what it missed first. `recovered:
   * false` says the gap is older than the history kept, so the client should reload [ROOM-3].
   */
  async join(
    member: RoomMember,
    identity: Identity,
    room: string,
    since: number | undefined,
  ): Promise<RoomOutcome<{ position: number; recovered: boolean }>> {
    if (member.inRoom(room)) {
      return { ok: true, value: { position: await this.log.position(room), recovered: true } };
    }
    if (member.roomCount >= this.limits.maxPerConnection) {
      return refuse(
        "room_limit",
        `A connection may be in at most ${this.limits.maxPerConnection} rooms.`,
      );
    }
    const members = await this.presence.sessionCount(room);
    if (members >= this.limits.maxMembers) {
      return refuse("room_full", `Room ${room} has ${this.limits.maxMembers} members, its limit.`);
    }
    const position = await this.log.position(room);
    // A `since` past the room's end means its numbering restarted (the room was forgotten or
    // the node restarted): what came before cannot be known, so it is not "recovered".
    let recovered = since === undefined || since <= position;
    if (since === undefined || since >= position) {
      member.followRoom(room, position, false);
      await this.local.enter(member, room);
    } else {
      recovered = await this.catchUp(member, room, since);
    }
    const firstDevice = await this.presence.join(room, identity.userId, member.id);
    if (firstDevice) this.joinedOrLeft("presence.join", room, identity.userId);
    if (firstDevice && this.announces(room, members))
      await this.announce(room, "join", identity.userId);
    this.metrics.roomJoined();
    return { ok: true, value: { position: await this.log.position(room), recovered } };
  }

  /**
   * Sends what was missed since `since`, then goes live without a gap or a duplicate: live
   * messages that arrive meanwhile are held by the member, and sent after the log's [ROOM-3].
   */
  private async catchUp(member: RoomMember, room: string, since: number): Promise<boolean> {
    member.followRoom(room, since, true);
    try {
      await this.local.enter(member, room);
      return await member.catchUpRoom(room, this.log);
    } finally {
      member.releaseRoom(room);
    }
  }

  async leave(member: RoomMember, identity: Identity, room: string): Promise<void> {
    if (!member.inRoom(room)) return;
    member.leaveRoom(room);
    this.local.exit(member, room);
    const lastDevice = await this.presence.leave(room, identity.userId, member.id);
    if (lastDevice) this.joinedOrLeft("presence.leave", room, identity.userId);
    const members = await this.presence.sessionCount(room);
    if (lastDevice && this.announces(room, members))
      await this.announce(room, "leave", identity.userId);
    if (members === 0) await this.log.forget(room);
  }

  /** On close: the member leaves every room it was in. */
  async leaveAll(member: RoomMember, identity: Identity): Promise<void> {
    for (const room of member.roomList()) await this.leave(member, identity, room);
  }

  /** A message to a room's members; only members may send to it. */
  async send(
    member: RoomMember,
    sender: Identity,
    room: string,
    body: JsonObject,
  ): Promise<RoomOutcome<Omit<RoomMessage, "body" | "from">>> {
    if (!member.inRoom(room)) {
      return refuse("not_a_member", `Join ${room} before sending to it.`);
    }
    return { ok: true, value: await this.publish(sender, room, body) };
  }

  /**
   * A message to a room's members from a sender that is not one (a backend, through
   * publish/): numbered, kept in the room's history and fanned out as a member's is.
   */
  async publish(
    sender: Pick<Identity, "userId">,
    room: string,
    body: JsonObject,
  ): Promise<Omit<RoomMessage, "body" | "from">> {
    const message = await this.log.append(
      { id: randomUUID(), room, from: sender.userId, ts: this.clock(), body },
      this.settingsOf(room).history,
    );
    this.metrics.mailRouted("room");
    await this.broker.publish(topics.room(room), {
      seq: message.seq,
      frame: encodeRoomMessage(message),
    });
    return { id: message.id, room, seq: message.seq, ts: message.ts };
  }

  async members(room: string): Promise<string[]> {
    return this.presence.members(room);
  }

  /** To every authenticated session of every node. */
  async broadcast(
    sender: Pick<Identity, "userId">,
    body: JsonObject,
  ): Promise<{ id: string; ts: number }> {
    const id = randomUUID();
    const ts = this.clock();
    this.metrics.mailRouted("broadcast");
    const frame: DeliveredBroadcastFrame = {
      type: "broadcast",
      data: { id, from: sender.userId, ts, body },
    };
    await this.broker.publish(topics.broadcast, { seq: 0, frame: JSON.stringify(frame) });
    return { id, ts };
  }

  private joinedOrLeft(kind: "presence.join" | "presence.leave", room: string, user: string): void {
    this.activity.emit({ kind, room, user, ts: this.clock() });
  }

  /**
   * Whether the room tells its members of a join or leave, `members` being its connections
   * without the one arriving or leaving: by its settings, and below `presenceMaxMembers`.
   */
  private announces(room: string, members: number): boolean {
    const bound = this.limits.presenceMaxMembers ?? 0;
    return this.settingsOf(room).presence && (bound === 0 || members < bound);
  }

  private async announce(room: string, event: "join" | "leave", user: string): Promise<void> {
    const frame: PresenceFrame = { type: "presence", data: { room, event, user } };
    await this.broker.publish(topics.room(room), { seq: 0, frame: JSON.stringify(frame) });
  }
}

function refuse<T>(code: ErrorCode, message: string): RoomOutcome<T> {
  return { ok: false, code, message };
}
