import { Type } from "typebox";
import { refuse } from "../refusal.js";
import { defineModifier, type StepContext, type StepResult } from "../step-definition.js";

const requireParams = Type.Object({
  roles: Type.Optional(
    Type.Array(Type.String({ minLength: 1 }), {
      description: "The sender needs one of these roles; `*` is anyone, `[]` no one.",
    }),
  ),
  claims: Type.Optional(
    Type.Record(
      Type.String({ minLength: 1 }),
      Type.Union([Type.String(), Type.Array(Type.String())]),
      {
        description:
          "Claims of the sender's token: each named claim must be, or (a list claim) contain, the value; every value of a list.",
      },
    ),
  ),
  member: Type.Optional(
    Type.Boolean({ description: "The sender's connection must be in the target room." }),
  ),
});

export interface Requirement {
  roles?: readonly string[];
  claims?: Readonly<Record<string, string | readonly string[]>>;
  member?: boolean;
}

/**
 * Who may go on: roles (any one), claims such as GoDispatch's `perms` (all of them), and
 * membership of the target room. A refusal is `forbidden`, with the step (or `events.<name>.allow`)
 * as its reason. The event's `allow:` is this modifier, run first.
 */
export const requireModifier = defineModifier({
  name: "require",
  description: "Refuses the event unless the sender has a role, claims, or is in the target room.",
  params: requireParams,
  prepare(fixed) {
    const given = ["roles", "claims", "member"].filter((key) => fixed[key] !== undefined);
    return given.length === 0 ? "require needs roles, claims or member" : undefined;
  },
  run(ctx, params) {
    return checkRequirement(ctx, params);
  },
});

export function checkRequirement(ctx: StepContext, requirement: Requirement): StepResult {
  const { roles, claims, member } = requirement;
  const sender = ctx.sender;
  if (
    roles !== undefined &&
    !roles.includes("*") &&
    !roles.some((role) => sender.roles.includes(role))
  ) {
    const needed = roles.length === 0 ? "no one may" : `roles ${roles.join(", ")} may`;
    const yours =
      sender.roles.length === 0 ? "you have none" : `you have ${sender.roles.join(", ")}`;
    return refuse("forbidden", `Only ${needed} send ${ctx.eventName}; ${yours}.`, {
      reason: ctx.step,
    });
  }
  for (const [name, wanted] of Object.entries(claims ?? {})) {
    const claim = sender.claims[name];
    const values = typeof wanted === "string" ? [wanted] : wanted;
    const missing = values.find(
      (value) => !(claim === value || (Array.isArray(claim) && claim.includes(value))),
    );
    if (missing !== undefined) {
      return refuse(
        "forbidden",
        `${ctx.eventName} needs ${missing} in the claim ${name} of your token.`,
        {
          reason: ctx.step,
        },
      );
    }
  }
  if (member === true) {
    const room = ctx.target?.room;
    if (room === undefined || !ctx.ports.isMember(room)) {
      return refuse("forbidden", `${ctx.eventName} may only be sent to a room you are in.`, {
        reason: ctx.step,
      });
    }
  }
  return undefined;
}
