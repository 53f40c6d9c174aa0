/**
 * Who may do what: the options of `Permissions`. The composition root passes the
 * configuration's `permissions:` section (whose shape and defaults the config schema
 * defines); `Permissions` checks what a schema cannot (the `to` target forms).
 *
 * A role list holds role names, or `"*"` for any authenticated user (anonymous included).
 */
export interface PermissionsConfig {
  /** The first entry whose `match` glob matches the room decides; no match refuses. */
  rooms: RoomRule[];
  /** Mail to a user is allowed if any entry lets the sender write to the recipient. */
  direct: DirectRule[];
  /** Roles that may broadcast to everyone. */
  broadcast: string[];
}

export interface RoomRule {
  /** Glob on the room name: `*` matches any run of characters. */
  match: string;
  join: string[];
  send: string[];
  history: string[];
}

export interface DirectRule {
  /** Roles of the sender. */
  from: string[];
  /**
   * Recipients: `"*"` anyone, `"self"`, `"user:<glob>"` by id, `"role:<role>"` by the
   * recipient's known roles, `"claim:<name>"` the id (or one of the ids) in the sender's claim.
   */
  to: string[];
}
