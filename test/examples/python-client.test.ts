import { spawnSync } from "node:child_process";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { connectAs, type Frame, signToken, type TestClient } from "../support/test-client.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { output, runExample, until } from "./run-example.js";

// Debian's Python, which has websocket-client from the python3-websocket package. The
// `python3` first on PATH may be another one (pyenv) without it.
const PYTHON = "/usr/bin/python3";
const SCRIPT = "examples/python/client.py";

describe("examples/python (websocket-client, raw protocol)", () => {
  let server: TestServer | undefined;
  const clients: TestClient[] = [];
  beforeAll(() => {
    const probe = spawnSync(PYTHON, ["-c", "import websocket"], { encoding: "utf8" });
    if (probe.error !== undefined || probe.status !== 0) {
      throw new Error(
        `${PYTHON} cannot import websocket (${probe.error?.message ?? probe.stderr.trim()}): ` +
          "install the Debian package python3-websocket (apt-get install python3-websocket).",
      );
    }
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
      PYTHON,
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
      PYTHON,
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
      PYTHON,
      [SCRIPT, "bob", "--count", "1", "--timeout", "10"],
      { POSTOFFICE_URL: server.url, POSTOFFICE_TOKEN: "not-a-valid-token" },
      15_000,
    );
    expect(result.code, output(result)).toBe(1);
    expect(result.stderr).toContain("error: unauthorized (token_unknown)");
  });
});
