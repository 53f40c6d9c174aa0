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
      "Messages kept for members who rejoin with `since`; `0` keeps none. A node on its own keeps them in memory and forgets them when the room empties or the node restarts; on a Redis network they are kept in Redis until the room has been idle for a while.",
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
  settings: Type.Array(roomSettings, {
    default: [{ match: "*", presence: true, history: 0 }],
    description:
      "Settings per room-name pattern: the first entry whose `match` matches the room applies. A room no entry matches gets no presence events and no history. A list you set replaces the default whole.",
  }),
});
