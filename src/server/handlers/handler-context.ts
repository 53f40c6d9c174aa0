import type { ValidateFunction } from "ajv";
import type { EventEngine } from "../events/event-engine.js";
import type { LogThrottle } from "../log/log-throttle.js";
import type { Logger } from "../log/logger.js";
import type { NoticeRouter } from "../router/notice-router.js";
import type { RoomRouter } from "../router/room-router.js";
import type { Router } from "../router/router.js";
import type { Permissions } from "../rules/permissions.js";
import type { SessionLifecycle } from "../session/session-lifecycle.js";

/** What frame handlers may use. Handlers know sessions, not sockets or HTTP. */
export interface HandlerContext {
  router: Router;
  rooms: RoomRouter;
  notices: NoticeRouter;
  /**
   * Read per frame: a reload (SIGHUP) puts new permissions here, in the same turn as the
   * engine takes its new events.
   */
  permissions: Permissions;
  /** The declared events; reloaded in place. */
  events: EventEngine;
  lifecycle: SessionLifecycle;
  log: Logger;
  /** For what a client can cause again and again, such as a store refusing its mail [LIMIT-4]. */
  throttle: LogThrottle;
  /** The configured schema for `message` data (validation.message), compiled once. */
  validateMessage: ValidateFunction | undefined;
}
