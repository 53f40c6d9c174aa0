import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { problemsOf, tryEngine } from "./engine-fixture.js";
import { RecordingPorts } from "./recording-ports.js";

const shout = fileURLToPath(new URL("../../examples/events/plugins/shout.mjs", import.meta.url));

describe("plug-ins", () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  async function plugin(name: string, source: string): Promise<string> {
    dir ??= await mkdtemp(join(tmpdir(), "postoffice-plugin-"));
    const file = join(dir, name);
    await writeFile(file, source);
    return file;
  }

  it("loads the example plug-in's action and modifier, usable from YAML like built-ins", async () => {
    const built = await tryEngine(
      `
      yell:
        target: room
        modifiers: [no_caps]
        actions:
          - shout: { times: 2 }
      `,
      { plugins: [shout] },
    );
    if (!built.ok) throw new Error(JSON.stringify(built.problems));
    const ports = new RecordingPorts();
    expect(
      (
        await built.fixture.engine.handle(
          { event: "yell", target: "lobby", payload: { text: "hi there" } },
          ports,
        )
      ).ok,
    ).toBe(true);
    expect(ports.calls).toEqual([
      {
        op: "notifyRoom",
        room: "lobby",
        notice: { event: "shout", payload: { by: "alice", text: "HI THERE!!" } },
      },
    ]);
    expect(
      await built.fixture.engine.handle(
        { event: "yell", target: "lobby", payload: { text: "HELLO" } },
        ports,
      ),
    ).toMatchObject({
      ok: false,
      refusal: { code: "forbidden", reason: "events.yell.modifiers[0] (no_caps)" },
    });
  });

  it("checks a plug-in's typed parameters at start and its templated ones per event", async () => {
    const built = await tryEngine(
      { yell: { actions: [{ shout: { times: 5, loud: true } }] } },
      { plugins: [shout] },
    );
    expect(built.ok ? [] : built.problems.map((p) => `${p.pointer}: ${p.message}`)).toEqual([
      '/events/yell/actions/0/shout/loud: shout has no parameter "loud" (known: text, times)',
      "/events/yell/actions/0/shout/times: times: must be <= 3",
    ]);
    const ok = await tryEngine({ yell: { actions: ["shout"] } }, { plugins: [shout] });
    if (!ok.ok) throw new Error("does not compile");
    expect(
      await ok.fixture.engine.handle(
        { event: "yell", target: "lobby", payload: { text: 42 } },
        new RecordingPorts(),
      ),
    ).toMatchObject({
      ok: false,
      refusal: {
        code: "invalid_param",
        message: "events.yell.actions[0] (shout): text is 42, but must be string",
      },
    });
  });

  it("reports a plug-in that does not load, exports nothing usable, or takes a built-in's name", async () => {
    const empty = await plugin("empty.mjs", "export const answer = 42;\n");
    const clash = await plugin(
      "clash.mjs",
      "export const join = { kind: 'action', name: 'join', params: { type: 'object', properties: {} }, run() {} };\n",
    );
    const built = await tryEngine(
      {},
      { plugins: [join(tmpdir(), "missing-plugin.mjs"), empty, clash] },
    );
    expect(
      built.ok ? [] : built.problems.map((p) => `${p.pointer}: ${p.message.split(":")[0]}`),
    ).toEqual([
      `/plugins/0: cannot load plug-in ${join(tmpdir(), "missing-plugin.mjs")}`,
      `/plugins/1: plug-in ${empty} exports no action or modifier (made with defineAction or defineModifier)`,
      `/plugins: ${clash} (join)`,
    ]);
    expect(await problemsOf({ a: { actions: ["shout"] } })).toEqual([
      expect.stringMatching(/^\/events\/a\/actions\/0: unknown action "shout"/),
    ]);
  });
});
