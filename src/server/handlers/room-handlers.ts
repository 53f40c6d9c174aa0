import type { BroadcastFrame, JoinFrame, LeaveFrame, WhoFrame } from "../../protocol/index.js";
import type { Identity } from "../auth/identity.js";
import type { Decision } from "../rules/permissions.js";
import type { Session } from "../session/session.js";
import type { HandlerContext } from "./handler-context.js";

/** `forbidden`, naming the rule that refused [ROLE-1]; true when the action may go on. */
export function permitted(session: Session, decision: Decision, ref: string | undefined): boolean {
  if (decision.allowed) return true;
  session.inOrder(() =>
    session.sendError("forbidden", decision.message, {
      ref,
      reason: decision.rule,
    }),
  );
  return false;
}

/** `join`: membership, presence, and what was missed since `since` [ROOM-3]. */
export async function handleJoin(
  session: Session,
  frame: JoinFrame,
  ctx: HandlerContext,
  identity: Identity,
): Promise<void> {
  const { room, since } = frame.data;
  if (!permitted(session, ctx.permissions.room(identity, "join", room), frame.id)) return;
  // Catching up is reading history: without that permission a rejoin starts from now.
  const mayReadHistory =
    since !== undefined && ctx.permissions.room(identity, "history", room).allowed;
  const joined = await ctx.rooms.join(session, identity, room, mayReadHistory ? since : undefined);
  if (!joined.ok) {
    session.inOrder(() => session.sendError(joined.code, joined.message, { ref: frame.id }));
    return;
  }
  const recovered = since === undefined || (mayReadHistory && joined.value.recovered);
  session.inOrder(() =>
    session.send({
      type: "joined",
      ref: frame.id,
      data: { room, position: joined.value.position, recovered },
    }),
  );
}

export async function handleLeave(
  session: Session,
  frame: LeaveFrame,
  ctx: HandlerContext,
  identity: Identity,
): Promise<void> {
  await ctx.rooms.leave(session, identity, frame.data.room);
  session.inOrder(() =>
    session.send({ type: "left", ref: frame.id, data: { room: frame.data.room } }),
  );
}

/** `who`: the members of a room, for those who are in it or may join it. */
export async function handleWho(
  session: Session,
  frame: WhoFrame,
  ctx: HandlerContext,
  identity: Identity,
): Promise<void> {
  const { room } = frame.data;
  if (
    !session.inRoom(room) &&
    !permitted(session, ctx.permissions.room(identity, "join", room), frame.id)
  )
    return;
  const members = await ctx.rooms.members(room);
  session.inOrder(() => session.send({ type: "presence", ref: frame.id, data: { room, members } }));
}

export async function handleBroadcast(
  session: Session,
  frame: BroadcastFrame,
  ctx: HandlerContext,
  identity: Identity,
): Promise<void> {
  if (!permitted(session, ctx.permissions.broadcast(identity), frame.id)) return;
  const { id, ts } = await ctx.rooms.broadcast(identity, frame.data);
  session.inOrder(() =>
    session.send({ type: "receipt", ref: frame.id, data: { status: "accepted", id, ts } }),
  );
}
