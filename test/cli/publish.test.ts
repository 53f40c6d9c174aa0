import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { EXIT } from "../../src/cli/exit-codes.js";
import { publishBody } from "../../src/cli/publish-command.js";
import { API_CONFIG, KEYS } from "../api/api-client.js";
import { freePort } from "../support/child-server.js";
import { useTestServer } from "../support/use-test-server.js";
import { runCommand } from "./run-command.js";

const cwd = tmpdir();

describe("postoffice publish", () => {
  const t = useTestServer();

  it("publishes TEXT to a user over the server API, printing the accepted mail id", async () => {
    const { httpUrl } = await t.start(API_CONFIG);
    const bob = await t.connect("bob");
    const run = await runCommand(["publish", "--to", "bob", "--url", httpUrl, "parcel shipped"], {
      cwd,
      env: { POSTOFFICE_API_KEY: KEYS.publisher },
    });
    expect(run.code, run.stderr).toBe(EXIT.ok);
    const mail = await bob.nextOfType("message");
    expect(mail.data).toMatchObject({
      from: "billing",
      to: "bob",
      body: { text: "parcel shipped" },
    });
    expect(run.stdout).toBe(`accepted ${String(mail.data?.id)} → bob\n`);
  });

  it("publishes --data to a room with --key, and prints the answer as it is with --json", async () => {
    const { httpUrl } = await t.start(API_CONFIG);
    const ann = await t.connect("ann");
    ann.send({ type: "join", id: "j", data: { room: "lobby" } });
    await ann.next((f) => f.ref === "j");
    const run = await runCommand(
      [
        "publish",
        "--room",
        "lobby",
        "--data",
        '{"n":7}',
        "--key",
        KEYS.publisher,
        "--url",
        httpUrl,
        "--json",
      ],
      { cwd },
    );
    expect(run.code, run.stderr).toBe(EXIT.ok);
    expect(JSON.parse(run.stdout)).toMatchObject({ accepted: [{ room: "lobby" }] });
    const message = await ann.next((f) => f.type === "message" && f.data?.room === "lobby");
    expect(message.data).toMatchObject({ from: "billing", body: { n: 7 } });
  });

  it("lands once when run twice with the same --id", async () => {
    const { httpUrl } = await t.start(API_CONFIG);
    const args = ["publish", "--to", "carol", "--id", "once-1", "--url", httpUrl, "hello"];
    const env = { POSTOFFICE_API_KEY: KEYS.publisher };
    const first = await runCommand(args, { cwd, env });
    const second = await runCommand(args, { cwd, env });
    expect(first.code).toBe(EXIT.ok);
    expect(second.stdout).toBe(first.stdout);
  });

  it("exits 1 with the error's code when the server refuses, 69 when it cannot be reached", async () => {
    const { httpUrl } = await t.start(API_CONFIG);
    const refused = await runCommand(["publish", "--to", "bob", "--url", httpUrl, "hi"], {
      cwd,
      env: { POSTOFFICE_API_KEY: KEYS.reader },
    });
    expect(refused.code).toBe(EXIT.failed);
    expect(refused.stderr).toMatch(/^postoffice: insufficient_scope: /);
    expect(refused.stderr).not.toContain(KEYS.reader);
    const port = await freePort();
    const away = await runCommand(
      ["publish", "--to", "bob", "--url", `http://127.0.0.1:${port}`, "hi"],
      { cwd, env: { POSTOFFICE_API_KEY: KEYS.publisher } },
    );
    expect(away.code).toBe(EXIT.unavailable);
    expect(away.stderr).toMatch(/cannot reach http:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/);
  });

  it("is a usage error without exactly one target, without a mail, or without a key", async () => {
    for (const args of [
      ["hi"],
      ["--to", "a", "--room", "r", "hi"],
      ["--to", "a"],
      ["--to", "a", "hi"],
    ]) {
      const run = await runCommand(["publish", ...args], { cwd });
      expect(run.code, args.join(" ")).toBe(EXIT.usage);
    }
  });
});

describe("publishBody", () => {
  const none = { to: [] as string[] };

  it("builds each kind of publish from the flags", () => {
    expect(publishBody({ to: ["bob"] }, "hi")).toEqual({
      ok: true,
      body: { to: "bob", data: { text: "hi" } },
    });
    expect(publishBody({ to: ["a", "b"], id: "k" }, "hi")).toEqual({
      ok: true,
      body: { to: ["a", "b"], data: { text: "hi" }, id: "k" },
    });
    expect(publishBody({ ...none, broadcast: true, data: '{"x":1}' }, undefined)).toEqual({
      ok: true,
      body: { broadcast: true, data: { x: 1 } },
    });
  });

  it("refuses --data that is not a JSON object, and TEXT with --data", () => {
    expect(publishBody({ ...none, room: "r", data: "[1]" }, undefined)).toMatchObject({
      ok: false,
    });
    expect(publishBody({ ...none, room: "r", data: "{" }, undefined)).toMatchObject({ ok: false });
    expect(publishBody({ ...none, room: "r", data: "{}" }, "hi")).toMatchObject({ ok: false });
  });
});
