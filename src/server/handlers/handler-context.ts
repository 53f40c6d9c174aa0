import type { ValidateFunction } from "ajv";
import type { LogThrottle } from "../log/log-throttle.js";
import type { RoomRouter } from "../router/room-router.js";
import type { Router } from "../router/router.js";
import type { Permissions } from "../rules/permissions.js";
import type { SessionLifecycle } from "../session/session-lifecycle.js";

/** What frame handlers may use. Handlers know sessions, not sockets or HTTP. */
export interface HandlerContext {
  router: Router;
  rooms: RoomRouter;
  permissions: Permissions;
  lifecycle: SessionLifecycle;
  /** Every line a client can cause goes through it [LIMIT-4]. */
  throttle: LogThrottle;
  /** The configured schema for `message` data (validation.message), compiled once. */
  validateMessage: ValidateFunction | undefined;
}
