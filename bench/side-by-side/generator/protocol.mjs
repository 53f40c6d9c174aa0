// The IPC between the orchestrator and a generator process (types only). Every request
// carries `cmd` and `rid` and gets exactly one reply with the same `rid` (its result, or
// `error`); `min` is posted without a reply. Unsolicited events: `progress` while opening
// connections, `min` as the slowest subscriber of the process gets further.
/** @import { ClientKind } from "../clients/load-client.mjs" */
/** @import { ParseMode } from "../clients/frame-reading.mjs" */
/** @import { HistogramPairs } from "../histogram.mjs" */
/** @import { Refusals } from "../report/refusals.mjs" */
/** @import { ChurnPlan } from "./churn.mjs" */
/** @import { MailMode } from "./mail-pairs.mjs" */
/** @import { PublishMode } from "./room-roles.mjs" */

/** @typedef {"subscriber" | "publisher" | "direct" | "idle"} Role */

/**
 * A user to connect: its name and, for direct mail, its partner's.
 * @typedef {{ user: string, partner?: string }} UserSpec
 */

/**
 * @typedef {object} InitParams
 * @property {ClientKind} kind
 * @property {string} host
 * @property {string | undefined} url
 * @property {string | undefined} secret
 * @property {number} size characters of padding in each body
 * @property {ParseMode} parse
 */

/**
 * @typedef {object} OpenParams
 * @property {UserSpec[]} users
 * @property {string} [room] joined by each once connected
 * @property {Array<string | undefined>} addresses source addresses, in turn
 * @property {number} concurrency
 * @property {Role} role
 */

/**
 * A generator's counts and CPU now.
 * @typedef {object} GeneratorMark
 * @property {number} at
 * @property {number} cpuSeconds user + system, its own (process.cpuUsage)
 * @property {number} delivered
 * @property {number} mails
 * @property {number} churned
 * @property {number} churnFailed
 * @property {number} lostConnections
 * @property {number} open
 * @property {Refusals} refusals
 */

/**
 * Each command: [its parameters, its reply].
 * @typedef {object} GeneratorCommands
 * @property {[InitParams, { fdSoft: number | null }]} init
 * @property {[OpenParams, { ok: number, failed: number }]} open
 * @property {[{}, GeneratorMark]} mark
 * @property {[PublishMode, {}]} publish
 * @property {[{ value: number }, undefined]} min
 * @property {[{}, { last: number }]} stopPublish
 * @property {[{ value: number, timeoutMs: number }, { ok: boolean, min: number }]} waitMin
 * @property {[MailMode, {}]} direct
 * @property {[{}, { sent: number, accepted: number, received: number, undelivered: number }]} stopDirect
 * @property {[{}, {}]} record
 * @property {[{}, { histogram: HistogramPairs }]} histogram
 * @property {[ChurnPlan, {}]} churn
 * @property {[{}, { churned: number, failed: number }]} stopChurn
 * @property {[{}, {}]} exit
 */

/** @typedef {keyof GeneratorCommands} Command */

/**
 * @template {Command} C
 * @typedef {GeneratorCommands[C][0] & { cmd: C, rid?: number }} Request
 */

/**
 * @typedef {{ ev: "progress", opened: number, failed: number } | { ev: "min", value: number }} GeneratorEvent
 */

/**
 * What the generator sends its parent: a reply, an error, or an event.
 * @typedef {({ rid: number } & Record<string, unknown>) | ({ rid: number, error: string }) | (GeneratorEvent & { rid?: undefined })} GeneratorMessage
 */

export {};
