import type { Static, TObject } from "typebox";
import type { JsonValue } from "../../protocol/index.js";
import type { EventNotice, EventPorts, MailAccepted } from "./ports.js";
import type { Refusal } from "./refusal.js";
import type { TemplateScope } from "./templates/template-scope.js";

/**
 * What an action or a modifier sees while an event runs. The scope of the placeholders plus
 * the ports (what it may do, as the sender) and the event's own record (its reply, its mail).
 */
export interface StepContext extends TemplateScope {
  readonly ports: EventPorts;
  /** The `id` of the client's frame, if it gave one: makes a retried event's mail land once. */
  readonly requestId: string | undefined;
  /** Modifiers (and an action that says `changesPayload`) may replace it for later steps. */
  payload: JsonValue;
  tokenClaims: Readonly<Record<string, unknown>> | undefined;
  /** Where this step is in the configuration, for refusals' `reason`: `events.chat.actions[1] (notify_room)`. */
  readonly step: string;
  /** The event's answer to its sender; one per event (the compiler refuses a second `reply`). */
  setReply(notice: EventNotice): void;
  /** A mail the event stored, listed in the sender's receipt. */
  addMail(mail: MailAccepted): void;
  /**
   * Rooms joined or left by earlier steps of this event, whatever came of it: a notice to a
   * room the event itself joins or leaves needs no membership beforehand.
   */
  readonly roomsTouched: Set<string>;
  /** A log for the step, throttled per step so a client cannot flood it. */
  readonly log: StepLog;
}

export interface StepLog {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

/** A step goes on (undefined) or stops the event with a refusal. */
export type StepResult = Refusal | undefined;

export type StepKind = "action" | "modifier";

/**
 * An action or a modifier. `params` is a TypeBox object: each property is a parameter. A
 * property marked `template: true` (`Type.String({ template: true })`) may hold placeholders,
 * resolved for each event and then checked against the property's schema (a mismatch refuses
 * the event with `invalid_param`); any other parameter is fixed in the configuration and
 * checked at start. A default may itself be a template (`default: "{$target.id}"`).
 */
export interface StepDefinition<P extends TObject = TObject> {
  readonly kind: StepKind;
  /** The name YAML uses: lowercase letters, digits and `_`. */
  readonly name: string;
  readonly description?: string;
  readonly params: P;
  /**
   * For the list form (`params: ["10/m"]`, `{ rate_limit: "10/m" }`): the parameter each
   * position sets, in order.
   */
  readonly positional?: readonly string[];
  /** For lists that need more than `positional` (GoDispatch's aliases): named params, or a problem. */
  readonly fromList?: (list: readonly unknown[]) => Record<string, unknown> | string;
  /**
   * Checks the parameters fixed in the configuration beyond their schema, at start (a JSON
   * Schema that compiles, a service the step needs): a problem in words, or undefined.
   */
  readonly prepare?: (fixed: Readonly<Record<string, unknown>>) => string | undefined;
  /**
   * Actions only: may this action change `payload`, or anything later steps read? Steps after
   * it then resolve their placeholders in their turn instead of before the first action.
   */
  readonly changesPayload?: boolean;
  /**
   * Actions only: a check made before the event's first action runs (membership, say), so a
   * refusal leaves nothing half done.
   */
  readonly check?: (ctx: StepContext, params: Static<P>) => StepResult;
  run(ctx: StepContext, params: Static<P>): StepResult | Promise<StepResult>;
}

type Definable<P extends TObject> = Omit<StepDefinition<P>, "kind">;

/** An action for `actions:` lists, typed by its parameters. */
export function defineAction<P extends TObject>(definition: Definable<P>): StepDefinition {
  return { ...definition, kind: "action" } as unknown as StepDefinition;
}

/** A modifier for `modifiers:` lists: it runs before the actions and may refuse or reshape. */
export function defineModifier<P extends TObject>(definition: Definable<P>): StepDefinition {
  return { ...definition, kind: "modifier" } as unknown as StepDefinition;
}

/** Whether a plug-in's export is a definition (made by defineAction or defineModifier, or by hand). */
export function isStepDefinition(value: unknown): value is StepDefinition {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Partial<StepDefinition>;
  return (
    (candidate.kind === "action" || candidate.kind === "modifier") &&
    typeof candidate.name === "string" &&
    typeof candidate.run === "function" &&
    typeof candidate.params === "object"
  );
}
