import type { DeclaredEvent } from "../activity/activity-event.js";
import type { EventRun } from "./event-run.js";
import type { EventTarget } from "./templates/template-scope.js";

/** The target of an exported event when it has none (`target: none`, or `optional` left out). */
export const NO_TARGET = "none";

/**
 * An accepted event as the activity feed carries it (docs/operations.md, "Events out"): the
 * sender from the authenticated identity, the payload as the modifiers left it.
 */
export function declaredEvent(run: EventRun): DeclaredEvent {
  return {
    kind: "event",
    name: run.eventName,
    target: exportedTarget(run.target),
    from: run.sender.userId,
    payload: run.payload,
    ts: run.ts,
  };
}

/** `room:<name>` or `user:<id>`, so that a room and a user of the same name differ; else `none`. */
function exportedTarget(target: EventTarget | undefined): string {
  if (target?.room !== undefined) return `room:${target.room}`;
  if (target?.user !== undefined) return `user:${target.user}`;
  return NO_TARGET;
}
