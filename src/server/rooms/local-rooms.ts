import { type Broker, type BrokerMessage, topics } from "../broker/broker.js";
import { TopicMembers } from "../broker/topic-members.js";
import { PreparedFrame } from "../wire/prepared-frame.js";
import type { RoomMember } from "./room-member.js";

/**
 * The rooms that members on this node are in, with one broker subscription per room. A
 * room's frame is encoded once by the router and framed once here, and the same frame is
 * handed to every local member [ROOM-2], which decides whether it still needs it.
 */
export class LocalRooms {
  private readonly rooms: TopicMembers<RoomMember>;

  constructor(broker: Broker) {
    this.rooms = new TopicMembers(broker, topics.room, deliver);
  }

  /** Resolves once the member gets the room's messages; then a catch-up may start. */
  async enter(member: RoomMember, room: string): Promise<void> {
    await this.rooms.add(room, member);
  }

  exit(member: RoomMember, room: string): void {
    this.rooms.remove(room, member);
  }
}

function deliver(members: ReadonlySet<RoomMember>, room: string, message: BrokerMessage): void {
  const frame = new PreparedFrame(message.frame);
  for (const member of members) member.deliverRoom(room, message.seq, frame);
}
