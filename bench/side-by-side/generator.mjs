// A load generator process of the side-by-side benchmark, driven by the orchestrator over IPC
// (generator/protocol.mjs). It holds client connections to one server and plays one role at a
// time: room subscribers, the room publisher, direct-mail pairs, idle connections or
// connection churn. It reports its own CPU (process.cpuUsage) with every `mark`, so that the
// report can tell a busy generator from a busy server.
//
// Whatever the server refuses (error frames, closes it did not ask for, connections it would
// not open) is counted by what it said, and reported with every `mark`: the orchestrator fails
// the step rather than print a figure the refusals made wrong. Every loop here is bounded: by
// the orchestrator's `stop`, by a per-role cap on what may be outstanding, and by
// MAX_LIFETIME_MS for the whole process.
/** @import { ClientKind, LoadClient } from "./clients/load-client.mjs" */
/** @import { ParseMode } from "./clients/frame-reading.mjs" */
/** @import { Command, GeneratorCommands, GeneratorMark, GeneratorMessage, OpenParams, Request, Role } from "./generator/protocol.mjs" */
import { fdLimits, unreachable } from "../lib.mjs";
import { openClient } from "./clients/open-client.mjs";
import { Churn } from "./generator/churn.mjs";
import { MailPairs } from "./generator/mail-pairs.mjs";
import { Publisher, Subscribers } from "./generator/room-roles.mjs";
import { now, Tally } from "./generator/tally.mjs";

const MAX_LIFETIME_MS = 20 * 60_000;

setTimeout(() => process.exit(3), MAX_LIFETIME_MS).unref();
process.on("disconnect", () => process.exit(0));

/** @param {GeneratorMessage} message */
const send = (message) => process.send?.(message);

/** The server and how to talk to it, from `init`. */
const target = {
  /** @type {ClientKind} */
  kind: "postoffice",
  host: "",
  /** @type {string | undefined} */
  url: undefined,
  /** @type {string | undefined} */
  secret: undefined,
  /** @type {ParseMode} */
  parse: "light",
};
const tally = new Tally();
/** @type {LoadClient[]} */
const clients = [];
let subscribers = new Subscribers(tally, (value) => send({ ev: "min", value }));
let publisher = new Publisher("");
let pairs = new MailPairs(tally, "");
const churn = new Churn(tally);

/** @param {OpenParams} params */
async function open({ users, room, addresses, concurrency, role }) {
  let index = 0;
  let ok = 0;
  let failed = 0;
  const progress = setInterval(() => send({ ev: "progress", opened: ok, failed }), 500);
  const worker = async () => {
    while (index < users.length) {
      const i = index++;
      const spec = users[i];
      if (spec === undefined) break;
      try {
        const client = await openClient(target.kind, {
          ...target,
          user: spec.user,
          localAddress: addresses[i % addresses.length],
        });
        if (room !== undefined) await client.join(room);
        setRole(client, role, room ?? "", spec.partner ?? "");
        clients.push(client);
        ok++;
      } catch (error) {
        failed++;
        tally.refusedOpen(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  clearInterval(progress);
  return { ok, failed };
}

/**
 * @param {LoadClient} client
 * @param {Role} role
 * @param {string} room
 * @param {string} partner
 */
function setRole(client, role, room, partner) {
  client.onClose = (code, reason) => {
    if (tally.exiting) return;
    tally.lost(code, reason);
    if (role === "subscriber") subscribers.lost();
  };
  client.onError = (code) => tally.refusedFrame(code);
  switch (role) {
    case "subscriber":
      subscribers.add(client);
      return;
    case "publisher":
      publisher.set(client, room);
      return;
    case "direct":
      pairs.add(client, partner);
      return;
    case "idle":
      return;
    default:
      unreachable(role);
  }
}

/** @returns {GeneratorMark} */
function mark() {
  const cpu = process.cpuUsage();
  return {
    at: now(),
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    delivered: tally.delivered,
    mails: tally.mails,
    churned: tally.churned,
    churnFailed: tally.churnFailed,
    lostConnections: tally.lostConnections,
    open: clients.filter((c) => !c.closed).length,
    refusals: tally.refusals,
  };
}

/** @type {{ [C in Command]: (m: Request<C>) => GeneratorCommands[C][1] | Promise<GeneratorCommands[C][1]> }} */
const handlers = {
  init(m) {
    target.kind = m.kind;
    target.host = m.host;
    target.url = m.url;
    target.secret = m.secret;
    target.parse = m.parse;
    const pad = "x".repeat(m.size);
    subscribers = new Subscribers(tally, (value) => send({ ev: "min", value }));
    publisher = new Publisher(pad);
    pairs = new MailPairs(tally, pad);
    // Its own limit of open files, for the orchestrator to check (null: unlimited or unknown).
    const soft = fdLimits()?.soft;
    return { fdSoft: soft !== undefined && Number.isFinite(soft) ? soft : null };
  },
  open: (m) => open(m),
  mark: () => mark(),
  publish(m) {
    publisher.start(m);
    return {};
  },
  min(m) {
    publisher.setMin(m.value);
    return undefined; // no reply: sent often
  },
  stopPublish: () => publisher.stop(),
  waitMin: async (m) => ({
    ok: await subscribers.waitMin(m.value, m.timeoutMs),
    min: subscribers.min,
  }),
  direct(m) {
    pairs.start(m);
    return {};
  },
  stopDirect: () => pairs.stop(),
  record() {
    tally.histogram.reset();
    tally.recording = true;
    return {};
  },
  histogram() {
    tally.recording = false;
    return { histogram: tally.histogram.toJSON() };
  },
  churn(m) {
    churn.start(target.kind, target, m);
    return {};
  },
  stopChurn: () => churn.stop(),
  exit() {
    tally.exiting = true;
    for (const client of clients) client.close();
    setTimeout(() => process.exit(0), 50);
    return {};
  },
};

process.on("message", (/** @type {Request<Command>} */ message) => {
  const handler = /** @type {((m: Request<Command>) => unknown) | undefined} */ (
    handlers[message.cmd]
  );
  const rid = message.rid ?? 0;
  if (handler === undefined) {
    send({ rid, error: `unknown command ${message.cmd}` });
    return;
  }
  Promise.resolve()
    .then(() => handler(message))
    .then(
      (result) => {
        if (result !== undefined) send({ rid, .../** @type {object} */ (result) });
      },
      (error) => send({ rid, error: String(error?.stack ?? error) }),
    );
});
