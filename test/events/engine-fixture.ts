import { Writable } from "node:stream";
import { pino } from "pino";
import { parse } from "yaml";
import type { ActivitySink } from "../../src/server/activity/activity-feed.js";
import { type BuiltinServices, builtinRegistry } from "../../src/server/events/builtins.js";
import type { Problem } from "../../src/server/events/compile/problem.js";
import { EventEngine } from "../../src/server/events/event-engine.js";
import { MemoryEventCounters } from "../../src/server/events/event-stats.js";
import { MemoryRateLimitStore } from "../../src/server/events/memory-rate-limit-store.js";

export interface EngineFixture {
  engine: EventEngine;
  counters: MemoryEventCounters;
  /** Every log line written, parsed. */
  logs: Array<Record<string, unknown>>;
  clock: { now: number };
}

/** A log that keeps its lines, to assert what was logged. */
export function capturedLog() {
  const logs: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split("\n")) if (line !== "") logs.push(JSON.parse(line));
      done();
    },
  });
  return { log: pino({ level: "info" }, stream), logs };
}

/** An engine on `events` (YAML text or a value), with a memory store on a clock the test moves. */
export async function engineFor(
  events: unknown,
  options: Partial<BuiltinServices> & { plugins?: string[]; activity?: ActivitySink } = {},
): Promise<EngineFixture> {
  const built = await tryEngine(events, options);
  if (!built.ok)
    throw new Error(
      `events do not compile:\n${built.problems.map((p) => `${p.pointer}: ${p.message}`).join("\n")}`,
    );
  return built.fixture;
}

export async function tryEngine(
  events: unknown,
  options: Partial<BuiltinServices> & { plugins?: string[]; activity?: ActivitySink } = {},
): Promise<{ ok: true; fixture: EngineFixture } | { ok: false; problems: Problem[] }> {
  const clock = { now: 1_000 };
  const counters = new MemoryEventCounters();
  const { log, logs } = capturedLog();
  const builtins = builtinRegistry({
    rateLimits: options.rateLimits ?? new MemoryRateLimitStore(() => clock.now),
    tokens: options.tokens,
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  });
  const value = typeof events === "string" ? parse(events) : events;
  const created = await EventEngine.create(
    { events: value, plugins: options.plugins ?? [] },
    {
      log,
      counters,
      builtins,
      clock: () => clock.now,
      ...(options.activity === undefined ? {} : { activity: options.activity }),
    },
  );
  if (!created.ok) return created;
  return { ok: true, fixture: { engine: created.engine, counters, logs, clock } };
}

/** The problems `events` compile to, as "pointer: message" lines. */
export async function problemsOf(
  events: unknown,
  options: Partial<BuiltinServices> = {},
): Promise<string[]> {
  const built = await tryEngine(events, options);
  return built.ok ? [] : built.problems.map((p) => `${p.pointer}: ${p.message}`);
}
