import { Type } from "typebox";
import { entry, section } from "./nodes.js";

const roomSettings = entry("Settings for the rooms whose name matches.", {
  match: Type.String({
    minLength: 1,
    description:
      "Glob on the room name: `*` matches any run of characters, everything else is literal (case-sensitive).",
  }),
  presence: Type.Boolean({
    default: true,
    description:
      "Send members a `presence` event when a user joins or leaves (a user's second device is not news).",
  }),
  history: Type.Integer({
    minimum: 0,
    maximum: 100000,
    default: 0,
    description:
      "Messages kept for members who rejoin with `since`; `0` keeps none. A node on its own keeps them in memory (all rooms within `rooms.historyMaxBytes`) and forgets them `rooms.emptyRoomIdleMs` after the room empties, or when the node restarts; on a Redis network they are kept in Redis until the room has been idle for a while.",
  }),
});

/** `rooms`: limits, presence notices and history. */
export const rooms = section("Rooms: limits, presence notices and history.", {
  maxPerConnection: Type.Integer({
    minimum: 1,
    default: 100,
    description:
      "Rooms one connection may be in at once; joining one more is refused with `room_limit`.",
  }),
  maxMembers: Type.Integer({
    minimum: 1,
    default: 10000,
    description:
      "Connections one room may hold on this node (each device of a user counts); one more is refused with `room_full`.",
  }),
  presenceMaxMembers: Type.Integer({
    minimum: 0,
    default: 1000,
    description:
      "Presence events stop in a room that holds this many connections (each device counts; on a Redis network, across nodes): a user who joins a room this full, or leaves one still this full, is announced to no one, so that filling a large room does not cost every member a frame per arrival (quadratic). `who` still lists every member. `0` = no bound.",
  }),
  historyMaxBytes: Type.Integer({
    minimum: 0,
    default: 67108864,
    description:
      "On a node on its own: the most the kept messages of all rooms together may take in memory (64 MiB, counted as their JSON and some overhead); past it the rooms that spoke least recently lose their oldest kept messages first. `0` = no bound. (On a Redis network history lives in Redis: bound it there with `maxmemory`.)",
  }),
  emptyRoomIdleMs: Type.Integer({
    minimum: 1000,
    default: 3600000,
    description:
      "On a node on its own: a room that keeps messages but has no member left is forgotten (its history and numbering) this long (1 hour) after its last member left, unless someone joins it again first.",
  }),
  settings: Type.Array(roomSettings, {
    default: [{ match: "*", presence: true, history: 0 }],
    description:
      "Settings per room-name pattern: the first entry whose `match` matches the room applies. A room no entry matches gets no presence events and no history. A list you set replaces the default whole.",
  }),
});
