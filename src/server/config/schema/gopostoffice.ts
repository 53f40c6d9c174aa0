import { Type } from "typebox";
import { section } from "./nodes.js";

/** `gopostoffice`: the GO-POSTOFFICE dialect's settings. */
export const gopostoffice = section("The gopostoffice dialect (docs/migrating.md#go-postoffice).", {
  trustClientId: Type.Boolean({
    default: false,
    description:
      "As GO-POSTOFFICE: a client is whoever its `?clientID=` says, and its token is not looked at. Off: the token (`?token=`, `Authorization: Bearer`) is checked by the endpoint's authenticators, and must be the clientID's (a JWT whose `sub` is it, a static token of that user or of `*`); none or a refused one is HTTP 401. On only for a closed network: the node warns at start.",
  }),
  receipts: Type.Boolean({
    default: false,
    description:
      'Tell the sender of each mail its receipts: `{"receipt":"accepted","id":…,"to":…,"ts":…}`, then `delivered`. GO-POSTOFFICE sent none.',
  }),
  errors: Type.Boolean({
    default: false,
    description:
      'Tell a client why a frame was refused: `{"error":"<code>","message":…}`. GO-POSTOFFICE said nothing; every refusal is counted, and a forged `from` is logged, either way.',
  }),
  oneConnectionPerClient: Type.Boolean({
    default: true,
    env: ["POSTOFFICE_GOPOSTOFFICE_ONE_CONNECTION"],
    description:
      "As GO-POSTOFFICE: one connection per `clientID` on the node and across a network. A newer `startTime` (or none: now, in Unix seconds) replaces the older connection, which is closed with 4410 once the newer one is in; its mail not yet written goes to the newer one. An older or equal `startTime` is refused with HTTP 409 `Connection rejected: newer connection exists`. Off: every connection of a `clientID` gets its mail (up to `limits.maxSessionsPerUser`).",
  }),
});
