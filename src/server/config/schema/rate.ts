import { Type } from "typebox";
import { section } from "./nodes.js";

interface BucketWords {
  /** What the bucket counts, for the section's description. */
  what: string;
  perSecond: string;
  burst: string;
}

function bucket(words: BucketWords, perSecond: number, burst: number) {
  return section(`Token bucket for ${words.what}.`, {
    perSecond: Type.Integer({
      minimum: 0,
      default: perSecond,
      description: `${words.perSecond} \`0\` turns this limit off.`,
    }),
    burst: Type.Integer({ minimum: 1, default: burst, description: words.burst }),
  });
}

/** `limits.rate`: token buckets per connection, per user and for messages. */
export const rate = section(
  "Rate limits: a frame over a limit is refused with `rate_limited` and `retryAfterMs`.",
  {
    connection: bucket(
      {
        what: "all frames of one connection",
        perSecond: "Frames per second one connection may send, on average, all types together.",
        burst: "Frames one connection may send at once before the rate applies.",
      },
      100,
      200,
    ),
    user: bucket(
      {
        what: "all frames of one user's connections to this node",
        perSecond:
          "Frames per second all connections of one user to this node may send, on average.",
        burst: "Frames one user's connections may send at once before the rate applies.",
      },
      200,
      400,
    ),
    message: bucket(
      {
        what: "`message` and `broadcast` frames, per connection and per user",
        perSecond:
          "`message` and `broadcast` frames per second, on average, for one connection and (as a second bucket) for one user.",
        burst:
          "`message` and `broadcast` frames allowed at once, per connection and per user, before the rate applies.",
      },
      50,
      100,
    ),
    closeAfterRefusals: Type.Integer({
      minimum: 1,
      default: 20,
      description:
        "Refusals for rate a connection may collect (refilled over 10 s); past them it is flooding and is closed with 4429.",
    }),
  },
);
