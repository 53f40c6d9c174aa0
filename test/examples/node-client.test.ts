import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { connectAs, type Frame, signToken, type TestClient } from "../support/test-client.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { until } from "../support/until.js";
import { output, requireBuiltClient, runExample } from "./run-example.js";

const SCRIPT = "examples/node-client/send.mjs";

const bodyText = (frame: Frame): unknown =>
  (frame.data?.body as { text?: unknown } | undefined)?.text;

describe("examples/node-client (the SDK from the built package)", () => {
  let server: TestServer | undefined;
  const clients: TestClient[] = [];
  beforeAll(() => requireBuiltClient());
  afterEach(async () => {
    for (const client of clients.splice(0)) await client.close();
    await server?.stop();
    server = undefined;
  });
  const as = async (user: string, url: string): Promise<TestClient> => {
    const client = await connectAs(url, await signToken({ sub: user }));
    clients.push(client);
    return client;
  };
  const isDeliveredReceipt = (ref: string) => (f: Frame) =>
    f.type === "receipt" && f.ref === ref && f.data?.status === "delivered";

  it("sends mail, prints mail and receipts, acks, and exits on --once after the delivered receipt", async () => {
    server = await startTestServer();
    const bob = await as("bob", server.url);
    // Mail waiting in alice's mailbox before the example starts.
    bob.send({ type: "message", id: "b1", data: { to: "alice", text: "Hello from bob" } });
    await bob.next((f) => f.type === "receipt" && f.ref === "b1");

    const run = runExample(
      "node",
      [SCRIPT, "bob", "Hi", "Bob", "--once", "--timeout", "15"],
      { POSTOFFICE_URL: server.url, POSTOFFICE_TOKEN: await signToken({ sub: "alice" }) },
      20_000,
    );
    const mail = await bob.next((f) => f.type === "message", 15_000);
    expect(mail.data).toMatchObject({ from: "alice", to: "bob", body: { text: "Hi Bob" } });
    bob.send({ type: "ack", data: { seq: mail.data?.seq } });

    const result = await run;
    expect(result.code, output(result)).toBe(0);
    expect(result.stdout).toContain("connected as alice");
    expect(result.stdout).toContain("mail #1 from bob: Hello from bob");
    expect(result.stdout).toMatch(/sent to bob: accepted \(mail [\w-]+\)/);
    expect(result.stdout).toContain(`receipt delivered: mail ${String(mail.data?.id)} to bob`);
    // The SDK acknowledged bob's mail once the example had printed it.
    await until(() => bob.frames.some(isDeliveredReceipt("b1")), "bob's delivered receipt");
  });

  it("runs docs/client.md's tour (tour.mjs): mail accepted, then delivered once bob acks, a room, a clean exit", async () => {
    server = await startTestServer();
    const bob = await as("bob", server.url);
    const run = runExample(
      "node",
      ["examples/node-client/tour.mjs"],
      { POSTOFFICE_URL: server.url, POSTOFFICE_TOKEN: await signToken({ sub: "alice" }) },
      20_000,
    );
    for (const text of ["Hello", "Read this"]) {
      const mail = await bob.next((f) => f.type === "message" && bodyText(f) === text, 15_000);
      expect(mail.data).toMatchObject({ from: "alice", to: "bob" });
      bob.send({ type: "ack", data: { seq: mail.data?.seq } });
    }
    const result = await run;
    expect(result.code, output(result)).toBe(0);
    const lines = result.stdout.trim().split("\n");
    expect(lines[0]).toBe("(connecting)");
    expect(lines).toContain("(open)");
    expect(lines.find((line) => line.startsWith("accepted: mail "))).toBeDefined();
    expect(lines.filter((line) => line.startsWith("delivered: bob ("))).toHaveLength(2);
    expect(lines.indexOf("bob has it")).toBeGreaterThan(lines.indexOf("(open)"));
    expect(lines.at(-1)).toBe("(closed)");
  });

  it("does not print again, on a second run, the mail and receipts that the first acknowledged", async () => {
    server = await startTestServer();
    const bob = await as("bob", server.url);
    bob.send({ type: "message", id: "b1", data: { to: "alice", text: "Hello from bob" } });
    await bob.next((f) => f.type === "receipt" && f.ref === "b1");
    const env = { POSTOFFICE_URL: server.url, POSTOFFICE_TOKEN: await signToken({ sub: "alice" }) };
    const runs: string[] = [];
    for (const text of ["first", "second"]) {
      const run = runExample(
        "node",
        [SCRIPT, "bob", text, "--once", "--timeout", "15"],
        env,
        20_000,
      );
      const mail = await bob.next((f) => f.type === "message" && bodyText(f) === text, 15_000);
      bob.send({ type: "ack", data: { seq: mail.data?.seq } });
      const result = await run;
      expect(result.code, output(result)).toBe(0);
      runs.push(result.stdout);
    }
    expect(runs[0]).toContain("mail #1 from bob: Hello from bob");
    // Alice's mailbox is delivered in order: bob's mail (seq 1) would come before the receipt
    // that ended the second run (seq 3), had it not been acknowledged.
    const [, second = ""] = runs;
    expect(second).not.toContain("Hello from bob");
    expect(second.match(/^receipt delivered/gm)).toHaveLength(1);
  });

  it("exits 1 when --once sees no delivered receipt in time", async () => {
    server = await startTestServer();
    const result = await runExample(
      "node",
      [SCRIPT, "nobody", "--once", "--timeout", "1"],
      { POSTOFFICE_URL: server.url, POSTOFFICE_TOKEN: await signToken({ sub: "alice" }) },
      15_000,
    );
    expect(result.code, output(result)).toBe(1);
    expect(result.stdout).toContain("sent to nobody: accepted");
    expect(result.stderr).toContain("timed out after 1 s");
  });

  it("exits 1 with the server's reason when the token is refused", async () => {
    server = await startTestServer();
    const result = await runExample(
      "node",
      [SCRIPT, "bob", "--once", "--timeout", "10"],
      { POSTOFFICE_URL: server.url, POSTOFFICE_TOKEN: "not-a-valid-token" },
      15_000,
    );
    expect(result.code, output(result)).toBe(1);
    expect(result.stderr).toContain("unauthorized");
    expect(result.stderr).toContain("could not connect");
  });

  it("exits 2 with its usage when no recipient is named", async () => {
    const result = await runExample(
      "node",
      [SCRIPT],
      { POSTOFFICE_URL: "ws://127.0.0.1:9/ws", POSTOFFICE_TOKEN: "x" },
      10_000,
    );
    expect(result.code, output(result)).toBe(2);
    expect(result.stderr).toContain("usage: node send.mjs <to>");
  });
});
