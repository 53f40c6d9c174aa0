import { Type } from "typebox";
import { oneOfStrings } from "../compile/one-of.js";
import type { RateLimitStore } from "../rate-limit-store.js";
import { refuse } from "../refusal.js";
import { defineModifier, type StepDefinition, type StepResult } from "../step-definition.js";

/** `10/m`, `100/1h`, `5/30s`: a count, then a window of (n) seconds, minutes or hours. */
export const RATE = /^([1-9]\d{0,8})\/(\d{0,6})([smh])$/;

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000 } as const;

/** The limit and window of a rate; undefined when it does not parse. */
export function parseRate(text: string): { limit: number; windowMs: number } | undefined {
  const match = RATE.exec(text);
  if (match === null) return undefined;
  const count = match[2] === "" ? 1 : Number(match[2]);
  if (count === 0) return undefined;
  return { limit: Number(match[1]), windowMs: count * UNIT_MS[match[3] as keyof typeof UNIT_MS] };
}

const rateParams = Type.Object({
  rate: Type.String({
    pattern: RATE.source,
    description: "`<count>/<window>`: `10/m`, `100/1h`, `5/30s` (windows in s, m or h).",
  }),
  by: oneOfStrings(
    ["user", "connection", "target", "event"],
    "user",
    "Whose count: the sender's (GoDispatch's), the connection's, the target's (all senders together), or the event's as a whole.",
  ),
});

/**
 * A fixed window per (event, subject), as GoDispatch's `rate_limit`: the window opens at the
 * first event and lasts its length, and the first `count` events in it pass. Refused:
 * `rate_limited` with `retryAfterMs`, the time left in the window. The count lives in the
 * rate-limit store, so a Redis network shares it.
 */
export function rateLimitModifier(store: RateLimitStore): StepDefinition {
  return defineModifier({
    name: "rate_limit",
    description: "Lets `count` events per window through, per user, connection, target or event.",
    params: rateParams,
    positional: ["rate", "by"],
    prepare(fixed) {
      const rate = String(fixed.rate);
      return parseRate(rate) === undefined ? `rate ${rate}: a window cannot be 0` : undefined;
    },
    run(ctx, { rate, by }) {
      const parsed = parseRate(rate);
      if (parsed === undefined) return undefined;
      const subject =
        by === "user"
          ? ctx.sender.userId
          : by === "connection"
            ? ctx.sender.connectionId
            : by === "target"
              ? (ctx.target?.id ?? "")
              : "";
      const key = `${ctx.eventName}\u0000${rate}\u0000${by}\u0000${subject}`;
      const decision = store.hit(key, parsed.limit, parsed.windowMs);
      const answer = (d: Awaited<typeof decision>): StepResult =>
        d.allowed
          ? undefined
          : refuse(
              "rate_limited",
              `${ctx.eventName} may be sent ${rate.replace("/", " times per ")} per ${by}; retry later.`,
              {
                reason: ctx.step,
                retryAfterMs: d.retryAfterMs,
              },
            );
      return decision instanceof Promise ? decision.then(answer) : answer(decision);
    },
  });
}
