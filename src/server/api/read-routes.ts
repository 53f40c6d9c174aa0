import type { MailboxEntry, MessageStore } from "../mailbox/message-store.js";
import type { Presence } from "../rooms/presence.js";
import type { RoomLog } from "../rooms/room-log.js";
import type { SessionInfo } from "../session/user-sessions.js";
import { type ApiRoute, defineRoute } from "./api-route.js";
import {
  HISTORY,
  HISTORY_QUERY,
  MAILBOX,
  MAILBOX_QUERY,
  PRESENCE,
  ROOM_PARAMS,
  SESSIONS,
  USER_PARAMS,
} from "./api-schemas.js";

export interface ReadRouteDeps {
  presence: Pick<Presence, "members" | "sessionCount">;
  roomLog: Pick<RoomLog, "after" | "position">;
  mailboxes: Pick<MessageStore, "position" | "readAfter">;
  sessions: { sessionsOf(user: string): SessionInfo[] };
  nodeId: string;
}

const DEFAULT_MAILBOX_PAGE = 100;

/** What support tools read: presence, a user's sessions, a room's history, a mailbox. */
export function readRoutes(deps: ReadRouteDeps): ApiRoute[] {
  return [
    defineRoute({
      method: "GET",
      path: "/api/v1/presence/{room}",
      operationId: "presence",
      summary: "Who is in a room",
      description:
        "The room's members, each user once however many devices, on every node of a network.",
      scope: "read",
      params: ROOM_PARAMS,
      responses: [{ status: 200, description: "The room's members.", schema: PRESENCE }],
      async handle({ params: { room } }) {
        const [members, sessions] = await Promise.all([
          deps.presence.members(room),
          deps.presence.sessionCount(room),
        ]);
        return { status: 200, body: { room, members, sessions } };
      },
    }),
    defineRoute({
      method: "GET",
      path: "/api/v1/users/{user}/sessions",
      operationId: "userSessions",
      summary: "A user's sessions on the node that answers",
      description:
        "The user's open sessions held by the node that takes the request (named in `node`). On a network of nodes each node answers for its own: ask each node, or use presence for who is online in a room. Disconnecting reaches every node.",
      scope: "read",
      params: USER_PARAMS,
      responses: [
        { status: 200, description: "This node's sessions of the user.", schema: SESSIONS },
      ],
      async handle({ params: { user } }) {
        const sessions = deps.sessions.sessionsOf(user);
        return { status: 200, body: { user, node: deps.nodeId, sessions } };
      },
    }),
    defineRoute({
      method: "GET",
      path: "/api/v1/rooms/{room}/history",
      operationId: "roomHistory",
      summary: "A room's kept messages",
      description:
        "The messages the room keeps (`rooms.settings[].history`) after `since`, as members rejoining with `since` get them.",
      scope: "read",
      params: ROOM_PARAMS,
      query: HISTORY_QUERY,
      responses: [
        { status: 200, description: "The kept messages after `since`.", schema: HISTORY },
      ],
      async handle({ params: { room }, query }) {
        const since = query.since ?? 0;
        const [kept, position] = await Promise.all([
          deps.roomLog.after(room, since),
          deps.roomLog.position(room),
        ]);
        return { status: 200, body: { room, position, ...kept } };
      },
    }),
    defineRoute({
      method: "GET",
      path: "/api/v1/users/{user}/mailbox",
      operationId: "userMailbox",
      summary: "What waits in a user's mailbox",
      description:
        "The mailbox's position and its entries (mail, and receipts about mail the user sent) after `after`, by default after the last acknowledged: what waits for the user. Paged: at most `limit` entries, and `next` to read on.",
      scope: "read",
      params: USER_PARAMS,
      query: MAILBOX_QUERY,
      responses: [{ status: 200, description: "The mailbox.", schema: MAILBOX }],
      async handle({ params: { user }, query }) {
        const position = await deps.mailboxes.position(user);
        const limit = query.limit ?? DEFAULT_MAILBOX_PAGE;
        const entries = await deps.mailboxes.readAfter(user, query.after ?? position.acked, limit);
        const last = entries.at(-1);
        const next = entries.length === limit && last !== undefined ? last.seq : null;
        return {
          status: 200,
          body: { user, position, entries: entries.map(shown), next },
        };
      },
    }),
  ];
}

/** An entry as support tools see it: no store internals (serialized bodies, refs). */
function shown(entry: MailboxEntry): Record<string, unknown> {
  if (entry.kind === "mail") {
    const { seq, id, from, to, ts, body } = entry;
    return { kind: "mail", seq, id, from, to, ts, body };
  }
  const { seq, status, mailId, to, ts } = entry;
  return { kind: "receipt", seq, status, mailId, to, ts };
}
