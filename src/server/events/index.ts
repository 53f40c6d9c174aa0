/**
 * The plug-in API (`postoffice/events`): what a module listed under `plugins:` imports to
 * define actions and modifiers. See docs/rules.md ("Plug-ins").
 */
export { Type } from "typebox";
export type { EventNotice, EventPorts, MailAccepted, PortResult, Sender } from "./ports.js";
export { EVENT_REFUSAL_CODES, type EventRefusalCode, type Refusal, refuse } from "./refusal.js";
export {
  defineAction,
  defineModifier,
  type StepContext,
  type StepDefinition,
  type StepLog,
  type StepResult,
} from "./step-definition.js";
export type { EventTarget } from "./templates/template-scope.js";
