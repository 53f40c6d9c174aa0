// One room under load, as the fan-out and declared-events scenarios set it up.
/** @import { GeneratorProcess } from "../generator-process.mjs" */
/** @import { Run } from "../run.mjs" */
/** @import { BenchServer } from "../servers.mjs" */
import { split } from "../measure.mjs";

/**
 * `members` subscribers spread over `generators` processes, all in the run's room, and one
 * publisher kept ahead of the slowest member of all: each generator reports its lowest `min`,
 * and the publisher is told the lowest of them. Every process started is pushed on `started`
 * as soon as it runs, so that the caller can exit them whatever fails.
 * @param {Run} run
 * @param {BenchServer} server
 * @param {{ members: number, size: number, generators: number, userPrefix: string, label: string }} room
 * @param {GeneratorProcess[]} started
 * @returns {Promise<{ subs: GeneratorProcess[], pub: GeneratorProcess }>}
 */
export async function openRoom(run, server, room, started) {
  const { members, size, generators, userPrefix, label } = room;
  const subs = await run.generators(generators, server, size, Math.ceil(members / generators));
  started.push(...subs);
  const [pub] = await run.generators(1, server, size, 1);
  if (pub === undefined) throw new Error("no publisher");
  started.push(pub);
  const users = split(members, generators).map((ids) =>
    ids.map((i) => ({ user: `${run.id}-${userPrefix}-${i}` })),
  );
  await run.openAll(subs, users, label, { room: run.room, role: "subscriber" });
  await run.openAll([pub], [[{ user: `${run.id}-publisher` }]], "publisher", {
    room: run.room,
    role: "publisher",
    addresses: run.publisherAddresses,
    concurrency: 1,
  });
  const mins = subs.map(() => 0);
  let globalMin = 0;
  subs.forEach((g, i) => {
    g.onEvent = (event) => {
      if (event.ev !== "min") return;
      mins[i] = event.value;
      const low = Math.min(...mins);
      if (low > globalMin) {
        globalMin = low;
        pub.post("min", { value: low });
      }
    };
  });
  return { subs, pub };
}
