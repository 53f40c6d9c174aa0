import { Type } from "typebox";
import { section } from "./nodes.js";

/** `amqpchat`: the AMQP chat seed's settings, read as the seed reads them. */
export const amqpchat = section(
  "AMQP chat's settings, for endpoints whose dialect is `amqpchat` (docs/migrating.md#amqp-chat).",
  {
    authHeader: Type.Optional(
      Type.String({
        minLength: 1,
        secret: true,
        env: ["AUTHHEADER"],
        envFile: true,
        description:
          "The exact value of the `Authorization` header its clients send, as the seed's `AUTHHEADER`; any other value, or none, is refused with HTTP 403. Unset: the header's token (after `Bearer `, if any) goes to the endpoint's authenticators, whose identity must be the `?id=` user.",
      }),
    ),
  },
);
