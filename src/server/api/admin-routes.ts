import { CLOSE_CODES } from "../../protocol/index.js";
import type { DisconnectOrder } from "../session/user-sessions.js";
import { ApiError } from "./api-errors.js";
import { type ApiRoute, defineRoute } from "./api-route.js";
import { DISCONNECT_ACCEPTED, DISCONNECT_REQUEST, USER_PARAMS } from "./api-schemas.js";

export interface AdminRouteDeps {
  sessions: { disconnect(order: DisconnectOrder): Promise<number> };
  nodeId: string;
}

/** RFC 6455 caps a close frame's reason at 123 bytes of UTF-8. */
const MAX_REASON_BYTES = 123;

/** What only an operator's key may do: close a user's sessions everywhere. */
export function adminRoutes(deps: AdminRouteDeps): ApiRoute[] {
  return [
    defineRoute({
      method: "POST",
      path: "/api/v1/users/{user}/disconnect",
      operationId: "disconnectUser",
      summary: "Close every session of a user, on every node",
      description:
        "Closes the user's WebSocket sessions with `code` (default 4403) and `reason` (default `disconnected`), on this node at once and on every other node of a network through the broker. Clients reconnect unless their credentials are refused: to keep a user out, revoke their token at its issuer too. The body is optional.",
      scope: "admin",
      params: USER_PARAMS,
      body: { schema: DISCONNECT_REQUEST, required: false },
      responses: [
        {
          status: 202,
          description: "Ordered: this node closed its sessions, the others are told.",
          schema: DISCONNECT_ACCEPTED,
        },
      ],
      async handle({ params: { user }, body }) {
        const code = body?.code ?? CLOSE_CODES.disconnected;
        const reason = body?.reason ?? "disconnected";
        if (Buffer.byteLength(reason) > MAX_REASON_BYTES) {
          throw new ApiError(
            "invalid_request",
            `must be at most ${MAX_REASON_BYTES} bytes of UTF-8`,
            {
              pointer: "/reason",
            },
          );
        }
        const closedOnThisNode = await deps.sessions.disconnect({ user, code, reason });
        return {
          status: 202,
          body: { user, code, reason, node: deps.nodeId, closedOnThisNode },
        };
      },
    }),
  ];
}
