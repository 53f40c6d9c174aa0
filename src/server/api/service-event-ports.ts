import type { JsonObject } from "../../protocol/index.js";
import type { EventOutcome, EventRequest } from "../events/event-engine.js";
import {
  type EventNotice,
  type EventPorts,
  type MailAccepted,
  PORT_OK,
  type PortResult,
  type Sender,
} from "../events/ports.js";
import type { NoticeRouter } from "../router/notice-router.js";
import { forbidden, mailRefusal } from "../router/port-refusals.js";
import type { Router } from "../router/router.js";
import type { Actor, Permissions } from "../rules/permissions.js";

/** Runs a declared event on behalf of a service (the server API's `POST /api/v1/events`). */
export interface ServiceEvents {
  run(service: string, request: EventRequest): Promise<ServiceEventOutcome>;
}

/** The engine's outcome, with the notices `notify_origin` addressed to the caller. */
export type ServiceEventOutcome = EventOutcome & { notices?: EventNotice[] };

export interface ServiceEventDeps {
  events: { handle(request: EventRequest, ports: EventPorts): Promise<EventOutcome> };
  router: Pick<Router, "sendBody">;
  notices: Pick<NoticeRouter, "toRoom" | "toUser" | "toEveryone">;
  /** The permissions in force now (a reload swaps them). */
  permissions: () => Permissions;
  /** The roles a service acts with (`api.keys[].roles`), as for its publishes. */
  rolesOf: (service: string) => readonly string[];
}

/** The engine behind the server API: each event gets ports of its own (below). */
export function serviceEvents(deps: ServiceEventDeps): ServiceEvents {
  return {
    async run(service, request) {
      const actor: Actor = { userId: service, roles: deps.rolesOf(service), claims: {} };
      const ports = new ServiceEventPorts(actor, deps.permissions(), deps);
      const outcome = await deps.events.handle(request, ports);
      return outcome.ok && ports.notices.length > 0
        ? { ...outcome, notices: ports.notices }
        : outcome;
    },
  };
}

/**
 * What an event may do, done for a service with the checks its publishes get: the
 * permissions judge it as a user with the service's roles, and its mail is a backend's
 * (`sendBody`: no client sender quotas [LIMIT-8]). A service has no connection: it is in no
 * room, so `join` is refused, `allow: {member: true}` and `notify_room` refuse, `leave` does
 * nothing, and `notify_origin`'s notices come back in the answer.
 */
export class ServiceEventPorts implements EventPorts {
  readonly sender: Sender;
  readonly notices: EventNotice[] = [];

  constructor(
    private readonly actor: Actor,
    private readonly permissions: Permissions,
    private readonly deps: Pick<ServiceEventDeps, "router" | "notices">,
  ) {
    this.sender = { userId: actor.userId, roles: actor.roles, claims: {}, connectionId: "" };
  }

  isMember(): boolean {
    return false;
  }

  async join(): Promise<PortResult> {
    return {
      ok: false,
      code: "forbidden",
      message: "A service has no connection to join a room with.",
      reason: "api",
    };
  }

  async leave(): Promise<PortResult<{ wasMember: boolean }>> {
    return { ok: true, value: { wasMember: false } };
  }

  async notifyRoom(room: string, notice: EventNotice): Promise<PortResult> {
    const decision = this.permissions.room(this.actor, "send", room);
    if (!decision.allowed) return forbidden(decision);
    await this.deps.notices.toRoom(room, this.actor.userId, notice);
    return PORT_OK;
  }

  async notifyUser(userId: string, notice: EventNotice): Promise<PortResult> {
    const decision = this.permissions.direct(this.actor, userId);
    if (!decision.allowed) return forbidden(decision);
    await this.deps.notices.toUser(userId, this.actor.userId, notice);
    return PORT_OK;
  }

  notifyOrigin(notice: EventNotice): void {
    this.notices.push(notice);
  }

  async sendMail(
    to: string,
    body: JsonObject,
    ref: string | undefined,
  ): Promise<PortResult<MailAccepted>> {
    const decision = this.permissions.direct(this.actor, to);
    if (!decision.allowed) return forbidden(decision);
    try {
      const sent = await this.deps.router.sendBody(this.actor, to, body, JSON.stringify(body), ref);
      return { ok: true, value: { id: sent.id, to: sent.to, seq: sent.seq, ts: sent.ts } };
    } catch (error) {
      const refusal = mailRefusal(error);
      if (refusal === undefined) throw error;
      return refusal;
    }
  }

  async broadcast(notice: EventNotice): Promise<PortResult> {
    const decision = this.permissions.broadcast(this.actor);
    if (!decision.allowed) return forbidden(decision);
    await this.deps.notices.toEveryone(this.actor.userId, notice);
    return PORT_OK;
  }
}
