import { hash } from "node:crypto";
import type { ValidateFunction } from "ajv";
import type { JsonObject } from "../../protocol/index.js";
import type { Logger } from "../log/logger.js";
import { MailboxFullError, StoreError } from "../mailbox/message-store.js";
import type { RoomRouter } from "../router/room-router.js";
import type { Router } from "../router/router.js";
import type { Actor, Decision, Permissions } from "../rules/permissions.js";
import { type BodyLimits, checkBody } from "./body-limits.js";
import type { AcceptedItem, MailIntake, PublishOutcome } from "./mail-intake.js";
import type { PublishRecords } from "./publish-records.js";
import type { PublishRequest } from "./publish-request.js";

export interface RouterMailIntakeDeps {
  router: Pick<Router, "sendBody">;
  rooms: Pick<RoomRouter, "publish" | "broadcast">;
  /** The permissions in force, read once per publish: a reload (SIGHUP) swaps them. */
  permissions: () => Permissions;
  /** `validation.message`, compiled once; undefined when none is configured. */
  validateMessage: ValidateFunction | undefined;
  limits: BodyLimits;
  /** The roles a service publishes with (`api.keys[].roles`); none for an unknown one. */
  rolesOf: (service: string) => readonly string[];
  records: PublishRecords;
  log: Logger;
}

/** A recipient's place in the request, for pointers: `/to` or `/to/3`. */
interface Recipient {
  user: string;
  pointer: string;
}

type Refused = Extract<PublishOutcome, { status: "refused" }>;
type Checked = { status: "checked"; bodyJson: string; recipients: Recipient[] } | Refused;

/**
 * The MailIntake of a node: a backend's publish goes through the router as a client's mail
 * does, with the service as the sender [SENDER-1]. The checks come in a client's order: the
 * limits, the schema (`validation.message`, on the data a client's frame would carry:
 * `data` plus `to` or `room`), then the permissions, which judge the service as a user with
 * the service's roles. Unlike a client, a service needs no membership to send to a room.
 *
 * With an `id`, each recipient's mail carries the key (id, recipient), which the store
 * keeps [DELIVERY-4]; the records answer a repeat and refuse a reused id (publish-records.ts).
 */
export class RouterMailIntake implements MailIntake {
  readonly #deps: RouterMailIntakeDeps;

  constructor(deps: RouterMailIntakeDeps) {
    this.#deps = deps;
  }

  async publish(service: string, request: PublishRequest): Promise<PublishOutcome> {
    try {
      return await this.#publish(service, request);
    } catch (error) {
      // By contract the intake never rejects: what went wrong midway may have landed.
      this.#deps.log.error({ err: error, service }, "publishing for a service failed");
      return failed("outcome_unknown", "The server failed midway; some recipients may have it.");
    }
  }

  async #publish(service: string, request: PublishRequest): Promise<PublishOutcome> {
    const actor: Actor = { userId: service, roles: this.#deps.rolesOf(service), claims: {} };
    const checked = this.#check(actor, request);
    if (checked.status !== "checked") return checked;
    const id = request.id;
    if (id === undefined) return this.#run(actor, request, checked, undefined);
    const claim = this.#deps.records.claim(service, id, fingerprint(request, checked));
    switch (claim.kind) {
      case "repeat":
        return claim.outcome;
      case "conflict":
        return {
          status: "refused",
          code: "id_conflict",
          pointer: "/id",
          message:
            "was used by this service for a different request within the idempotency window: use a new id for new mail",
        };
      case "first": {
        const outcome = await this.#run(actor, request, checked, id).catch(
          (error: unknown): PublishOutcome => {
            this.#deps.log.error({ err: error, service }, "publishing for a service failed");
            return failed("outcome_unknown", "The server failed midway; some may have it.");
          },
        );
        claim.settle(outcome);
        return outcome;
      }
      default: {
        const unknown: never = claim;
        throw new Error(`unknown claim ${JSON.stringify(unknown)}`);
      }
    }
  }

  #check(actor: Actor, request: PublishRequest): Checked {
    const permissions = this.#deps.permissions();
    const body = checkBody(request.data, this.#deps.limits);
    if (!body.ok) {
      const { code, pointer, message } = body;
      return { status: "refused", code, pointer, message };
    }
    const { bodyJson } = body;
    if ("to" in request) {
      const recipients =
        typeof request.to === "string"
          ? [{ user: request.to, pointer: "/to" }]
          : request.to.map((user, i) => ({ user, pointer: `/to/${i}` }));
      for (const recipient of recipients) {
        const refused =
          this.#schema(request.data, "to", recipient.user, recipient.pointer) ??
          forbidden(permissions.direct(actor, recipient.user), recipient.pointer);
        if (refused) return refused;
      }
      return { status: "checked", bodyJson, recipients };
    }
    if ("room" in request) {
      const refused =
        this.#schema(request.data, "room", request.room, "/room") ??
        forbidden(permissions.room(actor, "send", request.room), "/room");
      return refused ?? { status: "checked", bodyJson, recipients: [] };
    }
    // A client's broadcast frame is not held to validation.message either: it is not mail.
    return (
      forbidden(permissions.broadcast(actor), "/broadcast") ?? {
        status: "checked",
        bodyJson,
        recipients: [],
      }
    );
  }

  /** `validation.message` on what a client's `message` frame would carry as `data`. */
  #schema(
    data: JsonObject,
    address: "to" | "room",
    value: string,
    pointer: string,
  ): Refused | undefined {
    const validate = this.#deps.validateMessage;
    if (validate === undefined || validate({ ...data, [address]: value })) return undefined;
    const first = validate.errors?.[0];
    const path = first?.instancePath ?? "";
    const at = path === `/${address}` ? pointer : `/data${path}`;
    return {
      status: "refused",
      code: "schema_violation",
      pointer: at,
      message: first?.message ?? "does not match the schema (validation.message)",
    };
  }

  async #run(
    actor: Actor,
    request: PublishRequest,
    checked: Extract<Checked, { status: "checked" }>,
    id: string | undefined,
  ): Promise<PublishOutcome> {
    const { router, rooms } = this.#deps;
    const body = request.data;
    if ("room" in request) {
      const sent = await rooms.publish(actor, request.room, body);
      return { status: "accepted", accepted: [{ id: sent.id, room: sent.room, ts: sent.ts }] };
    }
    if ("broadcast" in request) {
      const sent = await rooms.broadcast(actor, body);
      return { status: "accepted", accepted: [{ id: sent.id, broadcast: true, ts: sent.ts }] };
    }
    // Started in the request's order, so that appends to one mailbox keep it.
    const results = await Promise.allSettled(
      checked.recipients.map(({ user }) =>
        router.sendBody(actor, user, body, checked.bodyJson, mailRef(id, user)),
      ),
    );
    return settle(results, checked.recipients);
  }
}

/** One outcome for all recipients: all accepted, else the failure, else the refusal. */
function settle(
  results: PromiseSettledResult<{ id: string; to: string; ts: number }>[],
  recipients: Recipient[],
): PublishOutcome {
  const accepted: AcceptedItem[] = [];
  let full: { error: MailboxFullError; pointer: string } | undefined;
  let storeFailed = false;
  for (const [i, result] of results.entries()) {
    if (result.status === "fulfilled") {
      const { id, to, ts } = result.value;
      accepted.push({ id, to, ts });
      continue;
    }
    const error: unknown = result.reason;
    if (error instanceof MailboxFullError) {
      full ??= { error, pointer: recipients[i]?.pointer ?? "/to" };
    } else if (error instanceof StoreError) {
      storeFailed = true;
    } else {
      throw error;
    }
  }
  if (storeFailed) {
    return accepted.length === 0 && full === undefined
      ? failed("store_unavailable", "The mail could not be stored; nothing of it was accepted.")
      : failed(
          "outcome_unknown",
          `The mail could not be stored for every recipient (${accepted.length} of ${recipients.length} have it); send it again with the same id.`,
        );
  }
  if (full !== undefined) {
    return {
      status: "refused",
      code: "mailbox_full",
      pointer: full.pointer,
      message: `${full.error.message}${accepted.length > 0 ? ` ${accepted.length} other recipients have the mail.` : ""}`,
    };
  }
  return { status: "accepted", accepted };
}

function forbidden(decision: Decision, pointer: string): Refused | undefined {
  if (decision.allowed) return undefined;
  return { status: "refused", code: "forbidden", pointer, message: decision.message };
}

function failed(
  code: Extract<PublishOutcome, { status: "failed" }>["code"],
  message: string,
): PublishOutcome {
  return { status: "failed", code, message };
}

/**
 * The store's idempotency key of one recipient's mail: (service, this ref). One per
 * recipient, so that the second recipient is not taken for a repeat of the first; unambiguous
 * whatever characters the id holds.
 */
export function mailRef(id: string | undefined, recipient: string): string | undefined {
  return id === undefined ? undefined : JSON.stringify([id, recipient]);
}

/** What makes a request the same request: its kind, recipients (in any order) and data. */
function fingerprint(request: PublishRequest, checked: { bodyJson: string }): string {
  const target =
    "to" in request
      ? `to\n${JSON.stringify((typeof request.to === "string" ? [request.to] : [...request.to]).sort())}`
      : "room" in request
        ? `room\n${request.room}`
        : "broadcast";
  return hash("sha256", `${target}\n${checked.bodyJson}`, "base64url");
}
