// What a server refused of the load, as the generators counted it (error frame codes, closes
// they did not ask for, connections that did not open), and which configuration keys to raise
// for each (docs/configuration.md).

/**
 * What was refused, by what the server said → how many times.
 * @typedef {{ errors: Record<string, number>, closes: Record<string, number>, opens: Record<string, number> }} Refusals
 */

/** @typedef {keyof Refusals} RefusalKind */
/** @type {RefusalKind[]} */
const KINDS = ["errors", "closes", "opens"];

/**
 * Sums the refusals reported by several generators.
 * @param {Array<Partial<Refusals> | undefined>} list
 * @returns {Refusals}
 */
export function mergeRefusals(list) {
  /** @type {Refusals} */
  const total = { errors: {}, closes: {}, opens: {} };
  for (const refusals of list)
    for (const kind of KINDS)
      for (const [what, count] of Object.entries(refusals?.[kind] ?? {}))
        total[kind][what] = (total[kind][what] ?? 0) + count;
  return total;
}

/** @param {Partial<Refusals> | undefined} refusals */
export function refusalCount(refusals) {
  let count = 0;
  for (const kind of KINDS) for (const n of Object.values(refusals?.[kind] ?? {})) count += n;
  return count;
}

const RATE_KEYS = [
  "limits.rate.connection.perSecond",
  "limits.rate.user.perSecond",
  "limits.rate.message.perSecond",
];
/** What a refusal means, and what to change on the server (docs/configuration.md). */
const REFUSAL_HINTS = [
  {
    match: /^rate_limited$|^4429\b/,
    hint: `rate limits: raise ${RATE_KEYS.join(", ")} (0 turns each off)`,
  },
  {
    match: /too_many_connections_from_address/,
    hint: "too many connections from one address: raise limits.maxConnectionsPerIp (0: no limit)",
  },
  {
    match: /too_many_connections/,
    hint: "connection cap: raise limits.maxConnections (0: no limit)",
  },
  {
    match: /too_many_sessions|^4409\b/,
    hint: "sessions per user: raise limits.maxSessionsPerUser (0: no limit)",
  },
  { match: /room_full/, hint: "room full: raise rooms.maxMembers above --fanout-clients" },
  { match: /room_limit/, hint: "rooms per connection: raise rooms.maxPerConnection" },
  {
    match: /slow_reader/,
    hint: "slow reader: the generators read too slowly (see their CPU), or raise limits.outboundBufferBytes",
  },
  { match: /not_ready/, hint: "the server is starting or draining" },
  {
    match: /^(close )?4401\b|unauthorized|token_/,
    hint: "authentication refused: --secret must be the server's auth.jwt.secret (HS256), or use --anonymous for a server in anonymous mode",
  },
  {
    match: /forbidden|not_a_member/,
    hint: "the server's permissions refuse rooms or mail to these users (docs/rules.md)",
  },
  {
    match: /^(close )?4408\b|auth_timeout/,
    hint: "the server waited for a token: it is not in anonymous mode (give --secret)",
  },
  { match: /HTTP 404/, hint: "no WebSocket at this path (the server's server.path, default /ws)" },
  { match: /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH/, hint: "no server there" },
];

/**
 * @typedef {object} ExplainedRefusal
 * @property {string} what each kind with its count, such as
 *   `error rate_limited ×20, close 4429 rate_limited ×1`
 * @property {number} count
 * @property {string | undefined} hint what to change
 * @property {string} text what, then the hint
 */

/**
 * The refusals grouped by what to change, the most frequent first.
 * @param {Partial<Refusals> | undefined} refusals
 * @returns {ExplainedRefusal[]}
 */
export function explainRefusals(refusals) {
  /** @type {Map<string, { parts: string[], count: number, hint: string | undefined }>} */
  const groups = new Map();
  /** @type {Record<RefusalKind, (what: string) => string>} */
  const where = {
    errors: (what) => `error ${what}`,
    closes: (what) => `close ${what}`,
    opens: (what) => `connection failed: ${what}`,
  };
  for (const kind of KINDS)
    for (const [what, count] of Object.entries(refusals?.[kind] ?? {})) {
      const hint = REFUSAL_HINTS.find((h) => h.match.test(what))?.hint;
      const key = hint ?? `${kind}:${what}`;
      const group = groups.get(key) ?? { parts: [], count: 0, hint };
      group.parts.push(`${where[kind](what)} ×${count}`);
      group.count += count;
      groups.set(key, group);
    }
  return [...groups.values()]
    .sort((a, b) => b.count - a.count)
    .map(({ parts, count, hint }) => {
      const what = parts.join(", ");
      return { what, count, hint, text: hint === undefined ? what : `${what} → ${hint}` };
    });
}

/** @param {Partial<Refusals> | undefined} refusals */
export const refusalText = (refusals) =>
  explainRefusals(refusals)
    .map((e) => e.text)
    .join("; ");

/** The server refused part of the load: the step's figures would be wrong. */
export class Refused extends Error {
  /** @param {Refusals} refusals */
  constructor(refusals) {
    super(refusalText(refusals));
    this.name = "Refused";
    this.refusals = refusals;
  }
}

/**
 * Throws Refused when any generator has seen a refusal.
 * @param {Array<{ refusals: Refusals }>} marks
 */
export function checkRefusals(marks) {
  const refusals = mergeRefusals(marks.map((m) => m.refusals));
  if (refusalCount(refusals) > 0) throw new Refused(refusals);
}
