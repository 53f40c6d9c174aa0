import type { ValidateFunction } from "ajv";
import type { ApiHandler } from "../api/api-handler.js";
import { createServerApi } from "../api/server-api.js";
import type { ServiceEvents } from "../api/service-event-ports.js";
import type { Config } from "../config/config.js";
import { isLoopback } from "../config/loopback.js";
import { LogThrottle } from "../log/log-throttle.js";
import type { Logger } from "../log/logger.js";
import type { MessageStore } from "../mailbox/message-store.js";
import type { MailIntake } from "../publish/mail-intake.js";
import { PublishRecords } from "../publish/publish-records.js";
import { RouterMailIntake } from "../publish/router-mail-intake.js";
import type { Presence } from "../rooms/presence.js";
import type { RoomLog } from "../rooms/room-log.js";
import type { RoomRouter } from "../router/room-router.js";
import type { Router } from "../router/router.js";
import type { Permissions } from "../rules/permissions.js";
import type { UserSessions } from "../session/user-sessions.js";

/** Accepted recipients the node remembers the ids of backends' publishes for (publish-records.ts). */
const REMEMBERED_ITEMS = 100_000;

export interface IntakeParts {
  router: Router;
  rooms: RoomRouter;
  /** The permissions in force, read at each publish (a reload swaps them). */
  permissions: () => Permissions;
  validateMessage: ValidateFunction | undefined;
  log: Logger;
}

/**
 * Where backends' mail enters (the server API, the AMQP bridge): the router's intake, with
 * the client's limits and schema, and the roles of the services named by `api.keys` and
 * `amqp.service`.
 */
export function buildMailIntake(config: Config, parts: IntakeParts): MailIntake {
  const { limits } = config;
  return new RouterMailIntake({
    ...parts,
    limits: {
      maxDepth: limits.maxNestingDepth,
      maxStringLength: limits.maxStringLength,
      maxBytes: limits.maxFrameBytes,
    },
    rolesOf: serviceRoles(config),
    records: new PublishRecords({
      windowMs: config.mailbox.idempotencyWindowMs,
      maxItems: REMEMBERED_ITEMS,
    }),
  });
}

/** The roles each service acts with: `api.keys[].roles`, and `amqp.roles` for the bridge's. */
export function serviceRoles(config: Config): (service: string) => readonly string[] {
  const roles = new Map<string, readonly string[]>();
  for (const key of config.api.keys) roles.set(key.name, key.roles);
  // The bridge's service, unless an API key of the same name gives its roles already.
  if (config.amqp.url !== "" && !roles.has(config.amqp.service)) {
    roles.set(config.amqp.service, config.amqp.roles);
  }
  return (service) => roles.get(service) ?? [];
}

export interface ServerApiParts {
  intake: MailIntake;
  events: ServiceEvents;
  presence: Presence;
  roomLog: RoomLog;
  store: MessageStore;
  sessions: UserSessions;
  nodeId: string;
  version: string;
  ready: () => boolean;
  log: Logger;
}

/** The server API from `api:`; off (404 everywhere) without keys. */
export function buildServerApi(config: Config, parts: ServerApiParts): ApiHandler {
  const { api } = config;
  const { handler } = createServerApi(
    {
      intake: parts.intake,
      events: parts.events,
      presence: parts.presence,
      roomLog: parts.roomLog,
      mailboxes: parts.store,
      sessions: parts.sessions,
      nodeId: parts.nodeId,
      ready: parts.ready,
      log: parts.log,
      throttle: new LogThrottle(parts.log),
    },
    {
      keys: api.keys,
      rate: api.rate,
      maxBodyBytes: api.maxBodyBytes,
      maxBatchItems: api.maxBatchItems,
      version: parts.version,
    },
  );
  if (api.keys.length > 0) {
    const services = [...new Set(api.keys.map((key) => key.name))];
    parts.log.info({ keys: api.keys.length, services }, "server API on at /api/v1/");
  }
  const reader = api.keys.some((key) => key.scopes.some((scope) => scope !== "publish"));
  if (config.metrics.enabled && !isLoopback(config.server.host) && !reader) {
    parts.log.warn(
      { host: config.server.host },
      "the dashboard's data (/api/stats) needs an API key with scope read, as server.host is not loopback: add one to api.keys, or bind 127.0.0.1",
    );
  }
  return handler;
}
