import { beforeAll, describe, expect, it } from "vitest";
import { API_CONFIG, KEYS } from "../api/api-client.js";
import { describeWith, programPath } from "../support/system-programs.js";
import { useTestServer } from "../support/use-test-server.js";
import { output, runExample } from "./run-example.js";

describe("examples/backend-node (fetch, the server HTTP API)", () => {
  const t = useTestServer();

  it("publishes mail a connected user gets from the key's service, and lands once with the same key", async () => {
    const { httpUrl } = await t.start(API_CONFIG);
    const bob = await t.connect("bob");
    const env = {
      POSTOFFICE_API_URL: httpUrl,
      POSTOFFICE_API_KEY: KEYS.publisher,
      IDEMPOTENCY_KEY: "parcel-1",
    };
    const args = ["examples/backend-node/publish.mjs", "bob", "Your", "parcel", "shipped"];
    const first = await runExample("node", args, env, 15_000);
    expect(first.code, output(first)).toBe(0);
    const mail = await bob.nextOfType("message");
    expect(mail.data).toMatchObject({ from: "billing", body: { text: "Your parcel shipped" } });
    expect(first.stdout).toBe(`accepted: mail ${String(mail.data?.id)} to bob\n`);
    const again = await runExample("node", args, env, 15_000);
    expect(again.stdout).toBe(first.stdout);
  });

  it("exits 1 with the error's code when the key may not publish", async () => {
    const { httpUrl } = await t.start(API_CONFIG);
    const env = { POSTOFFICE_API_URL: httpUrl, POSTOFFICE_API_KEY: KEYS.reader };
    const run = await runExample(
      "node",
      ["examples/backend-node/publish.mjs", "bob", "hi"],
      env,
      15_000,
    );
    expect(run.code, output(run)).toBe(1);
    expect(run.stderr).toContain("refused: insufficient_scope");
  });
});

describeWith("python3", "examples/backend-python (urllib, the server HTTP API)", () => {
  const t = useTestServer();
  let python = "";
  beforeAll(() => {
    python = programPath("python3");
  });

  it("publishes to several users and to a room", async () => {
    const { httpUrl } = await t.start(API_CONFIG);
    const ann = await t.connect("ann");
    const bob = await t.connect("bob");
    const env = { POSTOFFICE_API_URL: httpUrl, POSTOFFICE_API_KEY: KEYS.publisher };
    const script = "examples/backend-python/publish.py";
    const direct = await runExample(
      python,
      [script, "--to", "ann", "--to", "bob", "Hello"],
      env,
      15_000,
    );
    expect(direct.code, output(direct)).toBe(0);
    for (const user of [ann, bob]) {
      expect((await user.nextOfType("message")).data).toMatchObject({
        from: "billing",
        body: { text: "Hello" },
      });
    }
    expect(direct.stdout).toMatch(/^accepted: mail \S+ to ann\naccepted: mail \S+ to bob\n$/);
    bob.send({ type: "join", id: "j", data: { room: "lobby" } });
    await bob.next((f) => f.ref === "j");
    const room = await runExample(python, [script, "--room", "lobby", "Maintenance"], env, 15_000);
    expect(room.code, output(room)).toBe(0);
    expect(room.stdout).toMatch(/^accepted: mail \S+ to room lobby\n$/);
    const message = await bob.next((f) => f.type === "message" && f.data?.room === "lobby");
    expect(message.data).toMatchObject({ from: "billing", body: { text: "Maintenance" } });
  });
});
