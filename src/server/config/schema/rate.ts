import type { SchemaNode } from "./schema-node.js";

function bucket(what: string, perSecond: number, burst: number): SchemaNode {
  return {
    type: "object",
    description: `Token bucket for ${what}.`,
    additionalProperties: false,
    default: {},
    properties: {
      perSecond: {
        type: "integer",
        minimum: 0,
        default: perSecond,
        description: `Frames per second allowed for ${what}, on average. 0 turns this limit off.`,
      },
      burst: {
        type: "integer",
        minimum: 1,
        default: burst,
        description: `Frames allowed at once for ${what} before the rate applies.`,
      },
    },
  };
}

/** `limits.rate`: token buckets per connection, per user and for messages. */
export const rate: SchemaNode = {
  type: "object",
  description:
    "Rate limits: a frame over a limit is refused with `rate_limited` and `retryAfterMs`.",
  additionalProperties: false,
  default: {},
  properties: {
    connection: bucket("all frames of one connection", 100, 200),
    user: bucket("all frames of one user's connections to this node", 200, 400),
    message: bucket("`message` and `broadcast` frames, per connection and per user", 50, 100),
    closeAfterRefusals: {
      type: "integer",
      minimum: 1,
      default: 20,
      description:
        "Refusals for rate a connection may collect (refilled over 10 s); past them it is flooding and is closed with 4429.",
    },
  },
};
