import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_CONFIG, KEYS } from "../api/api-client.js";
import { startRabbit, type TestRabbit } from "../support/rabbitmq-server.js";
import { describeWith, programPath } from "../support/system-programs.js";
import { until } from "../support/until.js";
import { useTestServer } from "../support/use-test-server.js";
import { output, ROOT, runExample } from "./run-example.js";

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

describeWith("rabbitmq-server", "examples/backend-node/amqp.mjs (amqplib, the AMQP bridge)", () => {
  const t = useTestServer();
  let rabbit: TestRabbit;
  beforeAll(async () => {
    rabbit = await startRabbit();
  }, 90_000);
  afterAll(async () => {
    await rabbit?.destroy();
  }, 60_000);

  it("queues mail a connected user gets, and prints the node's events for a pattern", async () => {
    const server = await t.start({ amqp: { url: rabbit.url, service: "orders" } });
    await until(
      async () =>
        ((await (await fetch(`${server.httpUrl}/ready`)).json()) as { amqp?: string }).amqp ===
        "up",
      "the bridge is up",
      30_000,
    );
    const bob = await t.connect("bob");
    const env = { AMQP_URL: rabbit.url };
    const listener = spawn(
      "node",
      ["examples/backend-node/amqp.mjs", "events", "mail.*.bob", "--count", "2"],
      { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let printed = "";
    listener.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      printed += chunk;
    });
    const exited = new Promise<number | null>((resolve) => listener.once("exit", resolve));
    try {
      await until(
        () => printed.includes("listening: mail.*.bob"),
        "the listener's queue is bound",
        15_000,
      );
      const queued = await runExample(
        "node",
        ["examples/backend-node/amqp.mjs", "publish", "bob", "Your", "parcel", "shipped"],
        { ...env, MAIL_ID: "order-7" },
        15_000,
      );
      expect(queued.code, output(queued)).toBe(0);
      expect(queued.stdout).toBe("queued: mail order-7 to bob\n");
      const mail = await bob.nextOfType("message", 10_000);
      expect(mail.data).toMatchObject({ from: "orders", body: { text: "Your parcel shipped" } });
      bob.send({ type: "ack", data: { seq: mail.data?.seq } });
      expect(await exited).toBe(0);
      expect(printed).toContain(
        `mail.accepted.bob {"kind":"mail.accepted","id":"${String(mail.data?.id)}"`,
      );
      expect(printed).toContain("mail.delivered.bob ");
    } finally {
      if (listener.exitCode === null) listener.kill("SIGKILL");
    }
  });
});
