import { afterEach, beforeAll, expect, it } from "vitest";
import { describeWith, programPath } from "../support/system-programs.js";
import { connectAs, type Frame, signToken, type TestClient } from "../support/test-client.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { until } from "../support/until.js";
import { output, runExample } from "./run-example.js";

const SCRIPT = "examples/python/client.py";

describeWith("python3", "examples/python (websocket-client, raw protocol)", () => {
  let server: TestServer | undefined;
  const clients: TestClient[] = [];
  // The first python3 on PATH that has websocket-client (Debian's, from python3-websocket).
  let python = "";
  beforeAll(() => {
    python = programPath("python3");
  });
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

  it("authenticates, sends, prints and acks mail, and exits after --count mails", async () => {
    server = await startTestServer();
    const bob = await as("bob", server.url);
    bob.send({ type: "message", id: "b1", data: { to: "alice", text: "first" } });
    await bob.next((f) => f.type === "receipt" && f.ref === "b1");

    const run = runExample(
      python,
      [SCRIPT, "bob", "hi", "from", "python", "--count", "2", "--timeout", "15"],
      { POSTOFFICE_URL: server.url, POSTOFFICE_TOKEN: await signToken({ sub: "alice" }) },
      20_000,
    );
    const mail = await bob.next((f) => f.type === "message", 15_000);
    expect(mail.data).toMatchObject({ from: "alice", to: "bob", body: { text: "hi from python" } });
    // The second mail arrives live, while the example is connected.
    bob.send({ type: "message", id: "b2", data: { to: "alice", text: "second" } });

    const result = await run;
    expect(result.code, output(result)).toBe(0);
    expect(result.stdout).toContain("connected as alice");
    expect(result.stdout).toContain("mail #1 from bob: first");
    expect(result.stdout).toContain("mail #2 from bob: second");
    expect(result.stdout).toContain(`sent to bob: accepted (mail ${String(mail.data?.id)})`);
    // Both were acknowledged, the last one stored before the example closed (ping barrier).
    await until(
      () => bob.frames.some(isDeliveredReceipt("b1")) && bob.frames.some(isDeliveredReceipt("b2")),
      "bob's delivered receipts",
    );
  });

  it("exits 1 when --count is not reached before --timeout", async () => {
    server = await startTestServer();
    const result = await runExample(
      python,
      [SCRIPT, "--count", "1", "--timeout", "1"],
      { POSTOFFICE_URL: server.url, POSTOFFICE_TOKEN: await signToken({ sub: "alice" }) },
      15_000,
    );
    expect(result.code, output(result)).toBe(1);
    expect(result.stdout).toContain("connected as alice");
    expect(result.stderr).toContain("timed out after 0 of 1 mails");
  });

  it("exits 1 with the server's reason when the token is refused", async () => {
    server = await startTestServer();
    const result = await runExample(
      python,
      [SCRIPT, "bob", "--count", "1", "--timeout", "10"],
      { POSTOFFICE_URL: server.url, POSTOFFICE_TOKEN: "not-a-valid-token" },
      15_000,
    );
    expect(result.code, output(result)).toBe(1);
    expect(result.stderr).toContain("error: unauthorized (token_unknown)");
  });
});
