#!/usr/bin/env node
// Filling one room: `--members` clients join it one after another (`--in-flight` joins at a
// time), once with presence events up to the default `rooms.presenceMaxMembers` and once with
// no bound (`0`), each on a fresh Postoffice (memory store). Each presence event is a frame to
// every member, so without the bound the frames grow with the square of the room's size.
// Reports the time to fill, the server's CPU and the frames the clients received. Bounded in
// count and time; run it under `nice`, after `npm run build`:
//
//   nice -n 10 node bench/room-fill.mjs [--members 3000] [--in-flight 16] [--json FILE]
import { writeFile } from "node:fs/promises";
import { connect, markdownTable, round, scriptOptions } from "./lib.mjs";
import { startServer } from "./side-by-side/servers.mjs";

const { args, log } = scriptOptions({
  members: { type: "string", default: "3000" },
  "in-flight": { type: "string", default: "16" },
  "max-seconds": { type: "string", default: "120" },
});
const members = Number(args.members);
const inFlight = Number(args["in-flight"]);
const deadline = Date.now() + Number(args["max-seconds"]) * 1000;

/** @param {number} bound `rooms.presenceMaxMembers` */
async function fill(bound) {
  const server = await startServer("postoffice", { store: "memory", presenceMaxMembers: bound });
  /** @type {import("ws").WebSocket[]} */
  const clients = [];
  try {
    log(`  presenceMaxMembers ${bound}: connecting ${members} clients`);
    for (let i = 0; i < members; i += 100) {
      const batch = Array.from({ length: Math.min(100, members - i) }, (_, k) =>
        connect(server.url ?? "", `fill-${i + k}`),
      );
      clients.push(...(await Promise.all(batch)));
    }
    let frames = 0;
    for (const ws of clients) ws.on("message", () => (frames += 1));
    const cpuBefore = await server.cpuSeconds();
    const started = performance.now();
    let next = 0;
    const joinOne = async () => {
      for (let ws = clients[next++]; ws !== undefined; ws = clients[next++]) {
        if (Date.now() > deadline) throw new Error("room-fill: --max-seconds passed");
        const client = ws;
        await new Promise((resolve) => {
          /** @param {Buffer} data */
          const onReply = (data) => {
            if (!data.toString().includes('"ref":"j"')) return;
            client.off("message", onReply);
            resolve(undefined);
          };
          client.on("message", onReply);
          client.send(JSON.stringify({ type: "join", id: "j", data: { room: "big" } }));
        });
      }
    };
    await Promise.all(Array.from({ length: inFlight }, joinOne));
    const seconds = (performance.now() - started) / 1000;
    const cpu = (await server.cpuSeconds()) - cpuBefore;
    return {
      presenceMaxMembers: bound,
      members,
      "seconds to fill": round(seconds, 2),
      "server CPU, s": round(cpu, 2),
      "frames received": frames,
    };
  } finally {
    for (const ws of clients) ws.terminate();
    await server.stop();
  }
}

const rows = [await fill(1000), await fill(0)];
console.log(markdownTable(rows));
if (args.json !== undefined) await writeFile(args.json, JSON.stringify(rows, null, 2));
