import { Type } from "typebox";
import type { JsonValue } from "../../../protocol/index.js";
import { oneOfStrings } from "../compile/one-of.js";
import { refuse } from "../refusal.js";
import { defineAction, type StepDefinition } from "../step-definition.js";
import {
  type Breakers,
  CircuitOpen,
  callThrough,
  WebhookFailure,
  WebhookRefusal,
} from "./webhook-call.js";

const webhookParams = Type.Object({
  url: Type.String({ pattern: "^https?://\\S+$", description: "Where to POST the event." }),
  use: oneOfStrings(
    ["ignore", "payload", "reply"],
    "ignore",
    "What the answer is for: nothing, the payload of the steps after it, or the event's reply.",
  ),
  timeoutMs: Type.Integer({
    minimum: 1,
    maximum: 60_000,
    default: 3_000,
    description: "Per attempt.",
  }),
  retries: Type.Integer({
    minimum: 0,
    maximum: 5,
    default: 2,
    description: "More attempts after a network error, a timeout, 408, 429 or 5xx.",
  }),
  maxBodyBytes: Type.Integer({
    minimum: 0,
    maximum: 1_048_576,
    default: 65_536,
    description: "The largest answer read; a larger one fails the action.",
  }),
  headers: Type.Record(Type.String(), Type.String(), {
    default: {},
    description: "Extra request headers, such as a shared secret for the endpoint to check.",
  }),
});

/**
 * POSTs the event to an HTTP endpoint and waits for the answer:
 * `{"event","id","ts","target","payload","sender":{"id","roles","connection"}}`.
 * 2xx: done, and with `use: payload` the answer's JSON becomes the payload of the steps
 * after it (moderation, enrichment), with `use: reply` the event's reply. 4xx (but 408 and
 * 429): the endpoint refuses the event, `forbidden` with its `message`. Anything else is
 * retried, then `action_failed`; a URL that keeps failing has its circuit opened.
 */
export function webhookAction(breakers: Breakers, fetcher?: typeof fetch): StepDefinition {
  return defineAction({
    name: "webhook",
    description: "Calls an HTTP endpoint with the event and uses its answer.",
    params: webhookParams,
    changesPayload: true,
    async run(ctx, params) {
      const body: JsonValue = {
        event: ctx.eventName,
        id: ctx.eventId,
        ts: ctx.ts,
        target: ctx.target?.id ?? null,
        payload: ctx.payload,
        sender: {
          id: ctx.sender.userId,
          roles: [...ctx.sender.roles],
          connection: ctx.sender.connectionId,
        },
      };
      let answer: JsonValue;
      try {
        answer = await callThrough(breakers.forUrl(params.url), params, body, fetcher);
      } catch (error) {
        if (error instanceof WebhookRefusal) {
          return refuse("forbidden", error.message, { reason: `${ctx.step} (${error.status})` });
        }
        const why =
          error instanceof CircuitOpen || error instanceof WebhookFailure
            ? error.message
            : `webhook ${params.url} failed`;
        ctx.log.warn({ err: error, url: params.url }, "webhook action failed");
        return refuse("action_failed", `${ctx.step}: ${why}`, { reason: ctx.step });
      }
      if (params.use === "payload") ctx.payload = answer;
      else if (params.use === "reply") ctx.setReply({ event: ctx.eventName, payload: answer });
      return undefined;
    },
  });
}
