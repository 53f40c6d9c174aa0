import type { PortResult } from "../ports.js";
import { refuse } from "../refusal.js";
import type { StepResult } from "../step-definition.js";

/** A port's refusal as the step's: its code, its message, the rule that refused or else the step. */
export function fromPort(result: PortResult<unknown>, step: string): StepResult {
  if (result.ok) return undefined;
  return refuse(result.code, result.message, { reason: result.reason ?? step });
}
