import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/server/config/load-config.js";
import type { EventPorts } from "../../src/server/events/ports.js";
import { engineFor } from "./engine-fixture.js";
import { RecordingPorts } from "./recording-ports.js";

describe("reload", () => {
  let dir: string;
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** The events and plug-ins of a file, as the node would read it on SIGHUP. */
  async function fileOptions(yaml: string) {
    await writeFile(join(dir, "postoffice.yaml"), yaml);
    const { config } = await loadConfig({ cwd: dir, env: {}, flags: {} });
    return { events: config.events, plugins: config.plugins };
  }

  it("swaps in a good file's events at once", async () => {
    dir = await mkdtemp(join(tmpdir(), "postoffice-reload-"));
    const { engine } = await engineFor({
      ping: { target: "none", actions: [{ reply: { payload: 1 } }] },
    });
    const result = await engine.reload(
      await fileOptions(
        "events:\n  ping:\n    target: none\n    actions: [{ reply: { payload: 2 } }]\n  pong: { target: none }\n",
      ),
    );
    expect(result).toEqual({ ok: true, events: 2 });
    expect(engine.events).toEqual(["ping", "pong"]);
    expect(await engine.handle({ event: "ping" }, new RecordingPorts())).toMatchObject({
      reply: { payload: 2 },
    });
  });

  it("refuses a bad file with every problem, and keeps the old rules", async () => {
    dir = await mkdtemp(join(tmpdir(), "postoffice-reload-"));
    const { engine } = await engineFor({
      ping: { target: "none", actions: [{ reply: { payload: 1 } }] },
    });
    const result = await engine.reload(
      await fileOptions(
        "events:\n  ping:\n    actions: [{ replyy: {} }]\n  chat:\n    modifiers: [{ rate_limit: 10/x }]\n",
      ),
    );
    expect(result).toMatchObject({
      ok: false,
      problems: [
        {
          pointer: "/events/ping/actions/0/replyy",
          message: expect.stringMatching(/^unknown action "replyy"/),
        },
        { pointer: "/events/chat/modifiers/0/rate_limit/rate" },
      ],
    });
    expect(engine.events).toEqual(["ping"]);
    expect(await engine.handle({ event: "ping" }, new RecordingPorts())).toMatchObject({
      reply: { payload: 1 },
    });
  });

  it("lets an event in flight finish on the rules it started with", async () => {
    dir = await mkdtemp(join(tmpdir(), "postoffice-reload-"));
    const { engine } = await engineFor({
      enter: { actions: ["join", { notify_origin: { event: "old" } }] },
    });
    let release = () => {};
    const ports = new RecordingPorts();
    const slow: EventPorts = Object.assign(Object.create(ports) as RecordingPorts, {
      join: async (room: string) => {
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        return ports.join(room);
      },
    });
    const inFlight = engine.handle({ event: "enter", target: "lobby" }, slow);
    await engine.reload({
      events: { enter: { actions: ["join", { notify_origin: { event: "new" } }] } },
      plugins: [],
    });
    release();
    await inFlight;
    expect(ports.calls.at(-1)).toMatchObject({ notice: { event: "old" } });
    await engine.handle({ event: "enter", target: "lobby" }, ports);
    expect(ports.calls.at(-1)).toMatchObject({ notice: { event: "new" } });
  });
});
