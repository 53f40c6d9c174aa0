import { Type } from "typebox";
import { entry, section } from "./nodes.js";

/**
 * The shape of `permissions`; what a schema cannot say (the `to` target forms, an entry after
 * a catch-all) the rules check when the composition root builds them, before the node starts.
 */

const roleList = (description: string) =>
  Type.Array(Type.String({ minLength: 1 }), { description });

const roomRule = entry(
  "Who may join, send to, and read the history of the rooms whose name matches.",
  {
    match: Type.String({
      minLength: 1,
      description: "Glob on the room name, as in `rooms.settings[].match`.",
    }),
    join: roleList("Roles that may join the room and ask `who` is in it."),
    send: roleList("Roles that may send to the room (they must have joined it too)."),
    history: roleList(
      "Roles that get the messages they missed when they rejoin with `since`. Others may still join, from now on, with `recovered: false`.",
    ),
  },
);

const directRule = entry("A sender's roles and the recipients they may write to.", {
  from: roleList("Roles of the sender."),
  to: roleList(
    "Recipients: `*` anyone; `self` the sender; `user:<glob>` ids matching the glob; `role:<role>` users with that role; `claim:<name>` the id, or one of the ids, in the sender's claim `<name>`.",
  ),
});

/** `permissions`: who may do what, by role. */
export const permissions = section(
  "Who may do what, by role (see docs/rules.md). Refusals name the rule that refused.",
  {
    rooms: Type.Array(roomRule, {
      default: [{ match: "*", join: ["*"], send: ["*"], history: ["*"] }],
      description:
        "Per room-name pattern, the first entry whose `match` matches decides; a room no entry matches is closed to everyone. An entry after a catch-all (`*`) could never apply, so it stops the start: put catch-alls last.",
    }),
    direct: Type.Array(directRule, {
      default: [{ from: ["*"], to: ["*"] }],
      description:
        "Direct mail (`data.to`) is allowed if any entry's `from` holds one of the sender's roles and one of its `to` targets is the recipient. `[]` forbids all direct mail.",
    }),
    broadcast: Type.Array(Type.String({ minLength: 1 }), {
      default: ["admin"],
      description:
        "Roles that may send a `broadcast` frame to everyone connected; `*` for anyone, `[]` for no one.",
    }),
    names: Type.Array(Type.String({ minLength: 1 }), {
      default: [],
      description:
        "Permission names a token's `perms` claim may carry, as GoDispatch declares them: its `permissions: [kick_user]` list is read into this key. When set, an event's `allow` or `require` may ask only for these in `claims.perms`, so a misspelt one stops the start. `[]`: any name.",
    }),
  },
);
