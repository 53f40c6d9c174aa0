import { goDispatchAliases } from "./actions/godispatch-aliases.js";
import { log } from "./actions/log-action.js";
import { mail } from "./actions/mail-action.js";
import {
  broadcast,
  notifyOrigin,
  notifySender,
  notifyUser,
  reply,
} from "./actions/notify-actions.js";
import { join, leave, notifyRoom } from "./actions/room-actions.js";
import { webhookAction } from "./actions/webhook-action.js";
import { createBreakers } from "./actions/webhook-call.js";
import { enrichModifier, transformModifier } from "./modifiers/payload-modifiers.js";
import { rateLimitModifier } from "./modifiers/rate-limit-modifier.js";
import { requireModifier } from "./modifiers/require-modifier.js";
import { secureModifier } from "./modifiers/secure-modifier.js";
import { validateModifier } from "./modifiers/validate-modifier.js";
import type { RateLimitStore } from "./rate-limit-store.js";
import type { StepDefinition } from "./step-definition.js";
import { StepRegistry } from "./step-registry.js";
import type { TokenVerifier } from "./token-verifier.js";

/** What the built-in steps need from the node, given once by the composition root. */
export interface BuiltinServices {
  rateLimits: RateLimitStore;
  /** From `auth.jwt`; without it, an event using `secure` does not compile. */
  tokens: TokenVerifier | undefined;
  /** For tests; the global fetch otherwise. */
  fetch?: typeof fetch;
}

/** Every built-in action and modifier, GoDispatch's names included. */
export function builtinSteps(services: BuiltinServices): StepDefinition[] {
  return [
    join,
    leave,
    notifyRoom,
    notifyUser,
    notifyOrigin,
    notifySender,
    mail,
    broadcast,
    reply,
    log,
    webhookAction(createBreakers(), services.fetch),
    ...goDispatchAliases,
    requireModifier,
    rateLimitModifier(services.rateLimits),
    validateModifier,
    transformModifier,
    enrichModifier,
    secureModifier(services.tokens),
  ];
}

/** A registry of the built-ins, to which each set of rules adds its plug-ins. */
export function builtinRegistry(services: BuiltinServices): StepRegistry {
  const registry = new StepRegistry();
  for (const definition of builtinSteps(services)) {
    const problem = registry.add(definition, "built-in");
    if (problem !== undefined) throw new Error(problem);
  }
  return registry;
}
