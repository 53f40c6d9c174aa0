/**
 * Who may do what, as written under `permissions:` in the configuration. The config schema
 * mirrors this shape; `Permissions` checks what a schema cannot (the `to` target forms).
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

/**
 * Rooms open to everyone, mail between any two users, broadcast for admins only. Frozen all
 * the way down: it is shared, so a caller that edits it in place fails loudly instead of
 * changing every later node's defaults.
 */
export const DEFAULT_PERMISSIONS: PermissionsConfig = deepFreeze({
  rooms: [{ match: "*", join: ["*"], send: ["*"], history: ["*"] }],
  direct: [{ from: ["*"], to: ["*"] }],
  broadcast: ["admin"],
});

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
