import type { EventNoticeData, EventNoticeFrame } from "../../protocol/index.js";
import { type Broker, topics } from "../broker/broker.js";

/**
 * The notices of declared events (`notify_room`, `notify_user`, `broadcast`), to their
 * recipients on every node. A notice is live only [EVENT-2]: it travels with sequence 0, so it
 * takes no place in a room's numbering or history nor in a mailbox, and a recipient that is not
 * connected does not get it (what must last is mail: the `mail` action). Its sender is stamped
 * from the identity that sent the event [SENDER-1]. Permissions are the caller's to check.
 */
export class NoticeRouter {
  constructor(
    private readonly broker: Broker,
    private readonly clock: () => number = Date.now,
  ) {}

  /** To every connection in the room, on every node (the room's members hold its topic). */
  async toRoom(room: string, from: string, notice: EventNoticeData): Promise<void> {
    await this.broker.publish(topics.room(room), {
      seq: 0,
      frame: this.encode(from, notice, room),
    });
  }

  /** To every authenticated connection of the user, on every node (its mailbox topic, seq 0). */
  async toUser(userId: string, from: string, notice: EventNoticeData): Promise<void> {
    await this.broker.publish(topics.mailbox(userId), {
      seq: 0,
      frame: this.encode(from, notice, undefined),
    });
  }

  /** To every authenticated connection of every node. */
  async toEveryone(from: string, notice: EventNoticeData): Promise<void> {
    await this.broker.publish(topics.broadcast, { seq: 0, frame: this.encode(from, notice) });
  }

  /** The frame for a connection of its own (`notify_origin`): not published. */
  frame(from: string, notice: EventNoticeData): EventNoticeFrame {
    return { type: "event", data: { ...notice, from, ts: this.clock() } };
  }

  private encode(from: string, notice: EventNoticeData, room?: string): string {
    const frame: EventNoticeFrame = {
      type: "event",
      data: {
        event: notice.event,
        payload: notice.payload,
        from,
        ...(room === undefined ? {} : { room }),
        ts: this.clock(),
      },
    };
    return JSON.stringify(frame);
  }
}
