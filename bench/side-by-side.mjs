#!/usr/bin/env node
// Postoffice side by side with a bare `ws` server and a Socket.IO 4.8 server doing the same
// job, one after the other in one run (figures are only comparable within a run on these
// noisy machines). Five scenarios, one file each in side-by-side/scenarios/:
//
//   fan-out      N clients in one room, one publisher: deliveries/s at saturation (the
//                publisher keeps `--fanout-window` messages ahead of the slowest subscriber),
//                then p50/p99 end-to-end latency at a fixed rate of publishes.
//   direct mail  P pairs sending to each other: mails/s at saturation (each connection keeps
//                `--direct-window` sends waiting for `accepted`), p50/p99 at a fixed rate;
//                Postoffice with the in-memory store and with the SQLite store.
//   idle         server RSS and heap per authenticated idle connection (after a full GC).
//   connection rate  authenticated connections per second (open, welcome, close).
//   declared events  Postoffice alone: a two-action declared event beside a plain room
//                message, server CPU per item sent (the peers have no events).
//
// How Postoffice's costs grow with the work (fan-out by room size, catch-up on connect, the
// SQLite database's size, mailbox heads) is bench/cost-curves.mjs (`npm run bench:curves`),
// which runs the fan-out scenario of this harness once per room size.
//
//   npm run bench                      # the default run: a few minutes; rewrites docs/benchmarks.md
//   npm run bench -- --quick           # under a minute, smaller counts; docs left alone
//   npm run bench -- --idle-connections 19000 --only idle
//   node bench/side-by-side.mjs --render bench/results/side-by-side.json   # docs from a JSON
//   node bench/side-by-side.mjs --url ws://HOST:PORT/ws --secret S     # one running server
//
// Each server is its own process, started afresh for every scenario; the load comes from
// generator processes (side-by-side/generator.mjs), never from this one. The server's CPU is
// read from /proc, the generators' from their own process.cpuUsage(). The generators read
// each frame by scanning its bytes for the fields they need (`--parse full`: JSON.parse).
//
// With --url, the only server is the Postoffice at that URL, which this script neither starts
// nor stops (`postoffice bench` runs it so): its users are signed with --secret (or
// POSTOFFICE_JWT_SECRET), or named with `?client_id=` with --anonymous; its CPU is known only
// from --pid PID (a local server), its memory only from its /metrics. Whatever the server
// refuses (rate limits, caps, permissions) fails the step, which is reported as refused with
// the configuration keys to raise, and the run exits 3.
import { parseOptions } from "./side-by-side/options.mjs";
import { renderFile, runSideBySide } from "./side-by-side/runner.mjs";
import { SCENARIOS } from "./side-by-side/scenarios/index.mjs";

const options = parseOptions(
  process.argv.slice(2),
  SCENARIOS.map((s) => s.name),
  Object.assign({}, ...SCENARIOS.map((s) => s.options)),
);
if (options.render !== undefined) {
  await renderFile(options, options.render);
  process.exit(0);
}
process.exit(await runSideBySide(options));
