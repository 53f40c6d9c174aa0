import type { PublishRequest } from "./publish-request.js";

/** What was accepted: one item per recipient mailbox, or one for the room or the broadcast. */
export type AcceptedItem =
  | { id: string; to: string; ts: number }
  | { id: string; room: string; ts: number }
  | { id: string; broadcast: true; ts: number };

/**
 * Why a request is refused for good: sending it again unchanged would be refused again.
 * - `malformed`: the request does not match its schema.
 * - `forbidden`: the permissions do not let this service publish there.
 * - `schema_violation`: `data` fails the schema configured for mail (`validation.message`).
 * - `mailbox_full`: a recipient's mailbox is full and its policy is to refuse.
 * - `too_large`: `data` is larger or deeper than the limits allow.
 * - `id_conflict`: the `id` was used by this service for a different request within the
 *   idempotency window.
 */
export type PublishRefusalCode =
  | "malformed"
  | "forbidden"
  | "schema_violation"
  | "mailbox_full"
  | "too_large"
  | "id_conflict";

/**
 * Why a request failed for now; sending it again later may succeed.
 * - `store_unavailable`: the store could not keep the mail; nothing of it was accepted.
 * - `outcome_unknown`: it failed midway (a crash, a timeout): some recipients may have it.
 *   A retry with the same `id` lands once.
 */
export type PublishFailureCode = "store_unavailable" | "outcome_unknown";

export type PublishOutcome =
  | { status: "accepted"; accepted: AcceptedItem[] }
  /** `pointer`: a JSON Pointer into the request to the value at fault (`/to/2`, `/data/text`). */
  | { status: "refused"; code: PublishRefusalCode; message: string; pointer?: string }
  | { status: "failed"; code: PublishFailureCode; message: string };

/**
 * Where a backend's mail enters Postoffice (the HTTP API, the AMQP bridge): publish on
 * behalf of a service.
 *
 * Contract (every implementation):
 * - The mail's sender is `service`, stamped by the intake; nothing in the request speaks
 *   for the sender [SENDER-1].
 * - It resolves `accepted` only once every recipient's mail is kept as durably as the store
 *   promises, as a client's `accepted` receipt [DELIVERY-1]; a room message or broadcast is
 *   `accepted` once it is fanned out, as for clients.
 * - The same rules as a client's mail apply: permissions (for the service), schema, limits,
 *   mailbox retention.
 * - With an `id`, a request sent again by the same service is accepted once per recipient
 *   and answered with the first acceptance [DELIVERY-4]; without one, a retry may land twice.
 * - A refusal is final for that request; a failure is not: the caller may retry it. Mail
 *   to several users is refused when one recipient refuses (`mailbox_full`), though others
 *   may have it: with an `id`, the request sent again later lands once for those.
 *   It never rejects: an unexpected error resolves `failed` with `outcome_unknown`.
 */
export interface MailIntake {
  publish(service: string, request: PublishRequest): Promise<PublishOutcome>;
}
