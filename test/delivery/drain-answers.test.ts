import type { ServerResponse } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { type LocalHttp, sendJson, startLocalHttp } from "../auth/local-http.js";
import { webhookTestOptions } from "../auth/webhook-test-options.js";
import { metricValue } from "../support/metrics.js";
import { TestClient } from "../support/test-client.js";
import { until } from "../support/until.js";
import { useTestServer } from "../support/use-test-server.js";

/**
 * A drain answers every frame a session has read before it closes it [OPS-1]. To hold sends
 * in flight at the moment of the drain, a token refresh waits for a webhook the test answers:
 * the frames behind it wait their turn.
 */
describe("a drain with sends in flight", () => {
  const ts = useTestServer();
  let hook: LocalHttp | undefined;
  afterEach(async () => {
    await hook?.close();
    hook = undefined;
  });

  it("answers the sends read before it, refuses those read during it with server_shutdown, then closes with 1001", async () => {
    const held: ServerResponse[] = [];
    hook = await startLocalHttp((_req, res) => void held.push(res));
    await ts.start({ auth: { webhook: { ...webhookTestOptions, url: hook.url } } });
    const alice = ts.track(new TestClient(`${ts.server.url}?token=alice-static-token`));
    await alice.nextOfType("welcome");
    const send = (id: string, n: number) =>
      alice.send({ type: "message", id, data: { to: "bob", n } });

    // The refresh waits for the webhook; m1..m3 are read and wait behind it.
    alice.send({ type: "auth", id: "refresh", data: { token: "hook-alice" } });
    for (let n = 1; n <= 3; n++) send(`m${n}`, n);
    const messagesIn = () =>
      metricValue(ts.server, 'postoffice_frames_in_total{type="message",dialect="native"}');
    await until(async () => held.length === 1 && (await messagesIn()) === 3, "m1..m3 read");

    const drained = ts.server.node.drain();
    send("m4", 4);
    send("m5", 5);
    await until(async () => (await messagesIn()) === 5, "m4 and m5 read during the drain");
    const res = held[0];
    if (res !== undefined) sendJson(res, 200, { user: "alice" });

    const closed = await alice.closed;
    await drained;
    expect(closed.code).toBe(1001);
    const answers = ["m1", "m2", "m3", "m4", "m5"].map((id) => {
      const frame = alice.frames.find((f) => f.ref === id);
      return frame?.type === "error" ? frame.data?.code : frame?.data?.status;
    });
    expect(answers).toEqual([
      "accepted",
      "accepted",
      "accepted",
      "server_shutdown",
      "server_shutdown",
    ]);
    // Answered in the order of the frames.
    const order = alice.frames.filter((f) => f.ref?.startsWith("m")).map((f) => f.ref);
    expect(order).toEqual(["m1", "m2", "m3", "m4", "m5"]);
  });
});
