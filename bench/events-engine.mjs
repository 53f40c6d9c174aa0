// Micro-benchmark of the rules engine alone: events per second through a declared event, with
// ports that do nothing (no socket, no broker). What the engine adds to a room message; the
// server-level row (events beside plain room messages, `npm run bench`) comes with the wiring.
// Run: npm run build && node bench/events-engine.mjs [seconds per case, default 3]
import { pino } from "pino";
import { builtinRegistry } from "../dist/server/events/builtins.js";
import { EventEngine } from "../dist/server/events/event-engine.js";
import { MemoryEventCounters } from "../dist/server/events/event-stats.js";
import { MemoryRateLimitStore } from "../dist/server/events/memory-rate-limit-store.js";

const seconds = Number(process.argv[2] ?? 3);
const ok = { ok: true, value: undefined };
const ports = {
  sender: { userId: "alice", roles: ["member"], claims: {}, connectionId: "c-1" },
  isMember: () => true,
  join: async () => ok,
  leave: async () => ({ ok: true, value: { wasMember: true } }),
  notifyRoom: async () => ok,
  notifyUser: async () => ok,
  notifyOrigin: () => {},
  sendMail: async (to) => ({ ok: true, value: { id: "m", to, seq: 1, ts: 1 } }),
  broadcast: async () => ok,
};

const cases = {
  "two actions (notify_room, notify_origin)": {
    actions: [
      {
        notify_room: {
          event: "new_message",
          payload: { user: "{$user.id}", message: "{.payload.message}" },
        },
      },
      { notify_origin: { event: "sent", payload: { room: "{$target.id}" } } },
    ],
  },
  "GoDispatch's send_message form, rate_limit 999999999/h, two actions": {
    modifiers: [{ name: "rate_limit", params: ["999999999/h"] }],
    actions: [
      {
        name: "_notify_room",
        params: ["new_message", '{"user": "{$user.id}", "message": "{.payload.message}"}'],
      },
      { name: "_notify_origin", params: ["sent", '{"room": "{$target.id}"}'] },
    ],
  },
  "with a payload schema and enrich": {
    payload: {
      type: "object",
      required: ["message"],
      properties: { message: { type: "string", maxLength: 2000 } },
    },
    modifiers: ["enrich"],
    actions: [
      { notify_room: { event: "new_message" } },
      { notify_origin: { event: "sent", payload: true } },
    ],
  },
};

const created = await EventEngine.create(
  { events: Object.fromEntries(Object.values(cases).map((def, i) => [`e${i}`, def])), plugins: [] },
  {
    log: pino({ level: "silent" }),
    counters: new MemoryEventCounters(),
    builtins: builtinRegistry({ rateLimits: new MemoryRateLimitStore(), tokens: undefined }),
  },
);
if (!created.ok) throw new Error(JSON.stringify(created.problems));
const engine = created.engine;

for (const [i, name] of Object.keys(cases).entries()) {
  const request = {
    event: `e${i}`,
    target: "room:global",
    payload: { message: 'He said "hi" <b>' },
  };
  for (let n = 0; n < 20_000; n++) await engine.handle(request, ports);
  let count = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  while (performance.now() < deadline && count < 50_000_000) {
    for (let n = 0; n < 1000; n++) {
      const outcome = await engine.handle(request, ports);
      if (!outcome.ok) throw new Error(JSON.stringify(outcome));
    }
    count += 1000;
  }
  const elapsed = (performance.now() - started) / 1000;
  const rate = count / elapsed;
  console.log(
    `${name}: ${Math.round(rate).toLocaleString("en")} events/s, ${(1e6 / rate).toFixed(2)} µs/event`,
  );
}
