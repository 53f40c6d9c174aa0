// A load generator process of the side-by-side benchmark, driven by the orchestrator
// (bench/side-by-side.mjs) over IPC. It holds client connections to one server and plays one
// role at a time: room subscribers, the room publisher, direct-mail pairs, idle connections
// or connection churn. It reports its own CPU (process.cpuUsage) with every `mark`, so that
// the report can tell a busy generator from a busy server.
//
// Every request carries `rid` and gets exactly one reply with the same `rid`; `progress` and
// `min` are unsolicited events. Whatever the server refuses (error frames, closes it did not
// ask for, connections it would not open) is counted by what it said, and reported with every
// `mark`: the orchestrator fails the step rather than print a figure the refusals made wrong. Every loop here is bounded: by the orchestrator's `stop`, by
// a per-role cap on what may be outstanding, and by MAX_LIFETIME_MS for the whole process.
import { ACK_EVERY, fdLimits } from "../lib.mjs";
import { openClient } from "./clients.mjs";
import { Histogram } from "./histogram.mjs";

const MAX_LIFETIME_MS = 20 * 60_000;
const DRAIN_TIMEOUT_MS = 15_000;
const PACED_MAX_OUTSTANDING = 100_000; // open-loop sends ahead of the slowest receiver, at most
const DIRECT_PACED_MAX_IN_FLIGHT = 2_000; // per connection, sends without an `accepted`

setTimeout(() => process.exit(3), MAX_LIFETIME_MS).unref();
process.on("disconnect", () => process.exit(0));

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const send = (message) => process.send?.(message);

const state = {
  kind: "",
  host: "",
  url: undefined,
  secret: "",
  pad: "",
  clients: [],
  hist: new Histogram(),
  recording: false,
  // room subscribers
  delivered: 0,
  expected: 0,
  reached: new Map(),
  min: 0,
  minWaiters: [],
  // publisher
  publisher: null,
  room: "",
  pubMode: "off",
  next: 1,
  globalMin: 0,
  window: 0,
  pacer: null,
  // direct mail
  mails: 0,
  directMode: "off",
  directTimer: null,
  // churn
  churned: 0,
  churnFailed: 0,
  churnRunning: false,
  churnLoops: [],
  // failures
  lostConnections: 0,
  /** What the server refused, by what it said: error frame codes, closes, failed opens. */
  refusals: { errors: {}, closes: {}, opens: {} },
};

const count = (map, key) => {
  map[key] = (map[key] ?? 0) + 1;
};

function noteError(error) {
  count(state.refusals.opens, String(error?.message ?? error).slice(0, 120));
}

function body(n) {
  return { n, t: now(), text: state.pad };
}

// --- opening connections --------------------------------------------------------------------

async function open({ users, room, addresses, concurrency, role }) {
  let index = 0;
  let ok = 0;
  let failed = 0;
  const progress = setInterval(() => send({ ev: "progress", opened: ok, failed }), 500);
  const worker = async () => {
    while (index < users.length) {
      const i = index++;
      const spec = users[i];
      try {
        const client = await openClient(state.kind, {
          host: state.host,
          url: state.url,
          user: spec.user,
          localAddress: addresses[i % addresses.length],
          secret: state.secret,
        });
        if (room !== undefined) await client.join(room);
        client.partner = spec.partner;
        setRole(client, role, room);
        state.clients.push(client);
        ok++;
      } catch (error) {
        failed++;
        noteError(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  clearInterval(progress);
  return { ok, failed };
}

function setRole(client, role, room) {
  client.onClose = (code, reason) => lost(role, code, reason);
  client.onError = (code) => count(state.refusals.errors, code);
  if (role === "subscriber") {
    state.expected++;
    client.onRoom = onRoomMessage;
  } else if (role === "publisher") {
    state.publisher = client;
    state.room = room;
  } else if (role === "direct") {
    client.sent = 0;
    client.accepted = 0;
    client.entries = 0;
    client.maxSeq = 0;
    client.phaseSent = 0;
    client.onMail = (b, seq) => {
      state.mails++;
      if (state.recording) state.hist.record(now() - b.t);
      entry(client, seq);
    };
    client.onEntry = (seq) => entry(client, seq);
    client.onAccepted = () => {
      client.accepted++;
      if (state.directMode === "window") sendWindow(client);
    };
  }
}

function lost(role, code, reason) {
  if (state.exiting) return;
  state.lostConnections++;
  count(state.refusals.closes, `${code ?? "?"} ${reason ?? ""}`.trim().slice(0, 120));
  if (role === "subscriber") {
    state.expected--;
    for (const [n, count] of state.reached) if (count >= state.expected) complete(n);
  }
}

// --- room subscribers: count deliveries, track the slowest, record latency ------------------

function onRoomMessage(b) {
  state.delivered++;
  if (state.recording) state.hist.record(now() - b.t);
  const count = (state.reached.get(b.n) ?? 0) + 1;
  if (count >= state.expected) complete(b.n);
  else state.reached.set(b.n, count);
}

/** Every subscriber of this process has message n (and so every one before it: in order). */
function complete(n) {
  state.reached.delete(n);
  if (n <= state.min) return;
  for (const key of state.reached.keys()) if (key <= n) state.reached.delete(key);
  state.min = n;
  send({ ev: "min", value: n });
  state.minWaiters = state.minWaiters.filter((waiter) => {
    if (state.min < waiter.value) return true;
    waiter.resolve(true);
    return false;
  });
}

function waitMin(value, timeoutMs) {
  if (state.min >= value || state.expected === 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const waiter = { value, resolve };
    state.minWaiters.push(waiter);
    setTimeout(() => {
      state.minWaiters = state.minWaiters.filter((w) => w !== waiter);
      resolve(false);
    }, timeoutMs);
  });
}

// --- the publisher ---------------------------------------------------------------------------

function publishOne() {
  state.publisher.sendRoom(state.room, body(state.next));
  state.next++;
}

function publishWindow() {
  while (state.pubMode === "window" && state.next <= state.globalMin + state.window) publishOne();
}

function startPublishing({ mode, window, rate }) {
  state.pubMode = mode;
  if (mode === "window") {
    state.window = window;
    publishWindow();
    return;
  }
  const started = performance.now();
  const first = state.next;
  state.pacer = setInterval(() => {
    const due = first + Math.floor((rate * (performance.now() - started)) / 1000);
    while (state.next < due && state.next - state.globalMin < PACED_MAX_OUTSTANDING) publishOne();
  }, 5);
}

function stopPublishing() {
  state.pubMode = "off";
  clearInterval(state.pacer);
  return { last: state.next - 1 };
}

// --- direct mail pairs -----------------------------------------------------------------------

function entry(client, seq) {
  client.entries++;
  if (seq !== undefined && seq > client.maxSeq) client.maxSeq = seq;
  if (client.entries % ACK_EVERY === 0)
    client.ack(seq === undefined ? client.entries : client.maxSeq);
}

function sendMail(client) {
  client.sent++;
  client.phaseSent++;
  client.sendMail(client.partner, client.sent, body(client.sent));
}

function sendWindow(client) {
  while (
    state.directMode === "window" &&
    !client.closed &&
    client.sent - client.accepted < state.window
  )
    sendMail(client);
}

function startDirect({ mode, window, rate }) {
  state.directMode = mode;
  for (const client of state.clients) client.phaseSent = 0;
  if (mode === "window") {
    state.window = window;
    for (const client of state.clients) sendWindow(client);
    return;
  }
  const perClient = rate / Math.max(1, state.clients.length);
  // Each connection's schedule is offset by its share of a period, so that the sends spread
  // evenly over time instead of coming all at once every 1/perClient seconds.
  state.clients.forEach((client, i) => {
    client.offset = i / state.clients.length;
  });
  const started = performance.now();
  state.directTimer = setInterval(() => {
    const periods = (perClient * (performance.now() - started)) / 1000;
    for (const client of state.clients) {
      const due = Math.floor(periods + client.offset);
      while (
        !client.closed &&
        client.phaseSent < due &&
        client.sent - client.accepted < DIRECT_PACED_MAX_IN_FLIGHT
      )
        sendMail(client);
    }
  }, 10);
}

async function stopDirect() {
  state.directMode = "off";
  clearInterval(state.directTimer);
  const deadline = performance.now() + DRAIN_TIMEOUT_MS;
  const totals = () => {
    let sent = 0;
    let accepted = 0;
    for (const client of state.clients) {
      sent += client.sent;
      accepted += client.accepted;
    }
    return { sent, accepted };
  };
  // Pairs live in the same process, so everything sent here is received here.
  while (performance.now() < deadline) {
    const { sent, accepted } = totals();
    if (accepted >= sent && state.mails >= sent) break;
    await sleep(20);
  }
  // Acknowledge the rest (acks go every ACK_EVERY entries), so that a server the bench does
  // not stop keeps no undelivered mail for its throwaway users.
  for (const client of state.clients)
    if (client.maxSeq > 0 && client.entries % ACK_EVERY !== 0) client.ack(client.maxSeq);
  const { sent, accepted } = totals();
  return { sent, accepted, received: state.mails, undelivered: Math.max(0, sent - state.mails) };
}

// --- connection churn ------------------------------------------------------------------------

function startChurn({ concurrency, addresses, prefix, maxCount }) {
  state.churnRunning = true;
  let serial = 0;
  const loop = async () => {
    while (state.churnRunning && state.churned + state.churnFailed < maxCount) {
      const i = serial++;
      try {
        const client = await openClient(state.kind, {
          host: state.host,
          url: state.url,
          user: `${prefix}-${i}`,
          localAddress: addresses[i % addresses.length],
          secret: state.secret,
        });
        state.churned++;
        client.close();
      } catch (error) {
        state.churnFailed++;
        noteError(error);
        await sleep(10);
      }
    }
  };
  state.churnLoops = Array.from({ length: concurrency }, loop);
}

async function stopChurn() {
  state.churnRunning = false;
  await Promise.all(state.churnLoops);
  return { churned: state.churned, failed: state.churnFailed };
}

// --- requests ----------------------------------------------------------------------------------

function mark() {
  const cpu = process.cpuUsage();
  return {
    at: now(),
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    delivered: state.delivered,
    mails: state.mails,
    churned: state.churned,
    churnFailed: state.churnFailed,
    lostConnections: state.lostConnections,
    open: state.clients.filter((c) => !c.closed).length,
    refusals: state.refusals,
  };
}

const handlers = {
  init(m) {
    state.kind = m.kind;
    state.host = m.host;
    state.url = m.url;
    state.secret = m.secret;
    state.pad = "x".repeat(m.size);
    // Its own limit of open files, for the orchestrator to check (null: unlimited or unknown).
    const soft = fdLimits()?.soft;
    return { fdSoft: Number.isFinite(soft) ? soft : null };
  },
  open: (m) => open(m),
  mark: () => mark(),
  publish(m) {
    startPublishing(m);
    return {};
  },
  min(m) {
    state.globalMin = m.value;
    if (state.pubMode === "window") publishWindow();
    return undefined; // no reply: sent often
  },
  stopPublish: () => stopPublishing(),
  waitMin: async (m) => ({ ok: await waitMin(m.value, m.timeoutMs), min: state.min }),
  direct(m) {
    startDirect(m);
    return {};
  },
  stopDirect: () => stopDirect(),
  record() {
    state.hist.reset();
    state.recording = true;
    return {};
  },
  histogram() {
    state.recording = false;
    return { histogram: state.hist.toJSON() };
  },
  churn(m) {
    startChurn(m);
    return {};
  },
  stopChurn: () => stopChurn(),
  exit() {
    state.exiting = true;
    for (const client of state.clients) client.close();
    setTimeout(() => process.exit(0), 50);
    return {};
  },
};

process.on("message", (message) => {
  const handler = handlers[message.cmd];
  if (handler === undefined) {
    send({ rid: message.rid, error: `unknown command ${message.cmd}` });
    return;
  }
  Promise.resolve()
    .then(() => handler(message))
    .then(
      (result) => {
        if (result !== undefined) send({ rid: message.rid, ...result });
      },
      (error) => send({ rid: message.rid, error: String(error?.stack ?? error) }),
    );
});
