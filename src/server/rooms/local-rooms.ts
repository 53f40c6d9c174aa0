import { type Broker, type BrokerMessage, topics } from "../broker/broker.js";
import { TopicMembers } from "../broker/topic-members.js";
import { PreparedFrame } from "../session/prepared-frame.js";
import type { Session } from "../session/session.js";

/**
 * The rooms that sessions of this node are in, with one broker subscription per room. A
 * room's frame is encoded once by the router and framed once here, and the same bytes are
 * written to every local member [ROOM-2]; a member is sent each room sequence once.
 */
export class LocalRooms {
  private readonly rooms: TopicMembers<Session>;

  constructor(broker: Broker) {
    this.rooms = new TopicMembers(broker, topics.room, deliver);
  }

  /** Resolves once the session gets the room's messages; then `since`-replay may start. */
  async enter(session: Session, room: string, position: number): Promise<void> {
    session.rooms.set(room, position);
    await this.rooms.add(room, session);
  }

  /** Ends a hold (see Session.roomHolds): what arrived meanwhile is sent now, in order, once. */
  release(session: Session, room: string): void {
    const held = session.roomHolds?.get(room);
    session.roomHolds?.delete(room);
    if (held === undefined || !session.rooms.has(room)) return;
    held.sort((a, b) => a.seq - b.seq);
    for (const message of held) deliverTo(session, room, message, new PreparedFrame(message.frame));
  }

  exit(session: Session, room: string): void {
    session.rooms.delete(room);
    this.rooms.remove(room, session);
  }
}

function deliver(sessions: ReadonlySet<Session>, room: string, message: BrokerMessage): void {
  const frame = new PreparedFrame(message.frame);
  for (const session of sessions) {
    const held = session.roomHolds?.get(room);
    if (held !== undefined) held.push(message);
    else deliverTo(session, room, message, frame);
  }
}

function deliverTo(
  session: Session,
  room: string,
  message: BrokerMessage,
  frame: PreparedFrame,
): void {
  if (message.seq > 0) {
    const last = session.rooms.get(room);
    if (last === undefined || message.seq <= last) return;
    session.rooms.set(room, message.seq);
  }
  session.sendPrepared(frame);
}
