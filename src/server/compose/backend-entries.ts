import type { ValidateFunction } from "ajv";
import type { ActivityFeed } from "../activity/activity-feed.js";
import type { AmqpBridge } from "../amqp/amqp-bridge.js";
import type { ApiHandler } from "../api/api-handler.js";
import { serviceEvents } from "../api/service-event-ports.js";
import type { Config } from "../config/config.js";
import type { ChatQueue } from "../dialects/dialect.js";
import type { EventEngine } from "../events/event-engine.js";
import type { HandlerContext } from "../handlers/handler-context.js";
import type { Logger } from "../log/logger.js";
import type { Metrics } from "../metrics/metrics.js";
import type { UserSessions } from "../session/user-sessions.js";
import { buildAmqpBridge } from "./amqp-bridge.js";
import type { Backends } from "./backends.js";
import { buildMailIntake, buildServerApi, serviceRoles } from "./server-api.js";

export interface BackendEntryParts {
  /** The handlers' context: its permissions are read per publish and per event (a reload swaps them). */
  context: HandlerContext;
  events: EventEngine;
  validateMessage: ValidateFunction | undefined;
  backends: Backends;
  sessions: UserSessions;
  activity: ActivityFeed;
  metrics: Metrics;
  nodeId: string;
  version: string;
  ready: () => boolean;
  log: Logger;
}

/** Where backends reach the node besides WebSockets, and what the gateway needs of them. */
export interface BackendEntries {
  api: ApiHandler;
  amqp: AmqpBridge | undefined;
  /** AMQP chat's waiting mail, also to the seed's durable queue `chat` (docs/migrating.md). */
  chatQueue: ChatQueue | undefined;
  /** What /ready says of the bridge, when there is one. */
  readyDetails: (() => Record<string, string>) | undefined;
}

/**
 * The server HTTP API and the AMQP bridge, both through one mail intake: backends' mail takes
 * the same routing, permissions and schema as a client's (docs/api.md, docs/operations.md).
 */
export function buildBackendEntries(config: Config, parts: BackendEntryParts): BackendEntries {
  const { context, backends, log } = parts;
  const permissions = () => context.permissions;
  const intake = buildMailIntake(config, {
    router: context.router,
    rooms: context.rooms,
    permissions,
    validateMessage: parts.validateMessage,
    log,
  });
  const amqp = buildAmqpBridge(config, { intake, feed: parts.activity, log });
  if (amqp !== undefined) parts.metrics.amqpBridge(() => amqp.stats());
  const api = buildServerApi(config, {
    intake,
    events: serviceEvents({
      events: parts.events,
      router: context.router,
      notices: context.notices,
      permissions,
      rolesOf: serviceRoles(config),
    }),
    presence: backends.presence,
    roomLog: backends.roomLog,
    store: backends.store,
    sessions: parts.sessions,
    nodeId: parts.nodeId,
    version: parts.version,
    ready: parts.ready,
    log,
  });
  return {
    api,
    amqp,
    chatQueue:
      amqp !== undefined && speaksAmqpChat(config) ? amqp.queue("chat", "text/plain") : undefined,
    readyDetails: amqp === undefined ? undefined : () => ({ amqp: amqp.status }),
  };
}

/** Whether `server.path` or an endpoint speaks the AMQP chat dialect. */
function speaksAmqpChat(config: Config): boolean {
  return [config.server, ...config.endpoints].some((endpoint) => endpoint.dialect === "amqpchat");
}
