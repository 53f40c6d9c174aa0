import type { StepDefinition } from "../step-definition.js";
import { parseJsonTextTemplate } from "../templates/json-text-template.js";
import { log } from "./log-action.js";
import { notifyOrigin } from "./notify-actions.js";
import { join, leave, notifyRoom } from "./room-actions.js";

/**
 * GoDispatch's action names and positional parameters, so that its `config.yaml` loads as it
 * is. Each is the Postoffice action of the same meaning; the payload parameter, JSON text with
 * placeholders in GoDispatch, is parsed once into a template of values (json-text-template.ts).
 *
 * Where they differ from GoDispatch's code, on purpose:
 * - `_join`/`_leave` act for the sender's connection only, so their first parameter must be
 *   `{$user.id}` (GoDispatch would join whoever a template named);
 * - `_notify_origin` reaches the connection that sent the event, as GoDispatch's docs say
 *   (its code reaches every connection of the user).
 */
export const goDispatchAliases: readonly StepDefinition[] = [
  alias(join, "_join", (list) => senderAndRoom("_join", list)),
  alias(leave, "_leave", (list) => senderAndRoom("_leave", list)),
  alias(notifyRoom, "_notify_room", (list) => eventAndPayload("_notify_room", list)),
  alias(notifyOrigin, "_notify_origin", (list) => eventAndPayload("_notify_origin", list)),
  alias(log, "_log", (list) =>
    list.length === 1
      ? { message: list[0] }
      : `_log takes 1 parameter: [message]; got ${list.length}`,
  ),
];

function alias(
  base: StepDefinition,
  name: string,
  fromList: NonNullable<StepDefinition["fromList"]>,
): StepDefinition {
  return {
    ...base,
    name,
    description: `GoDispatch's ${name}: ${base.name} with its list of parameters.`,
    fromList,
  };
}

function senderAndRoom(name: string, list: readonly unknown[]): Record<string, unknown> | string {
  if (list.length !== 2) return `${name} takes 2 parameters: [user, room]; got ${list.length}`;
  if (list[0] !== "{$user.id}") {
    return `${name} acts for the sender's connection only: its first parameter must be "{$user.id}", got ${JSON.stringify(list[0])}`;
  }
  return { room: list[1] };
}

function eventAndPayload(name: string, list: readonly unknown[]): Record<string, unknown> | string {
  if (list.length !== 2) return `${name} takes 2 parameters: [event, payload]; got ${list.length}`;
  const [event, payload] = list;
  if (typeof payload !== "string") return { event, payload };
  const parsed = parseJsonTextTemplate(payload);
  if (!parsed.ok)
    return `${name}'s payload ${JSON.stringify(payload.slice(0, 60))} ${parsed.message}`;
  return { event, payload: parsed.value };
}
