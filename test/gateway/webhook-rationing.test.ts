import { afterEach, describe, expect, it } from "vitest";
import { type LocalHttp, sendJson, startLocalHttp } from "../auth/local-http.js";
import { type Closed, type Frame, TestClient } from "../support/test-client.js";
import { useTestServer } from "../support/use-test-server.js";

/** One attempt to authenticate from `localAddress`: the error frame and the close. */
async function attempt(
  url: string,
  localAddress: string,
  how: "handshake" | "frame",
  token: string,
): Promise<{ error: Frame; closed: Closed }> {
  const target = how === "handshake" ? `${url}?token=${token}` : url;
  const client = new TestClient(target, undefined, { localAddress });
  await client.opened;
  if (how === "frame") client.send({ type: "auth", id: "auth", data: { token } });
  const error = await client.nextOfType("error");
  return { error, closed: await client.closed };
}

describe("a failing auth webhook, seen from the gateway", () => {
  const { start } = useTestServer();
  let webhook: LocalHttp | undefined;
  afterEach(async () => {
    await webhook?.close();
    webhook = undefined;
  });

  for (const how of ["handshake", "frame"] as const) {
    it(`rations each client address, and says when to retry (token in the ${how})`, async () => {
      webhook = await startLocalHttp((_req, res) => sendJson(res, 500, { error: "down" }));
      const server = await start({
        auth: {
          webhook: {
            url: webhook.url,
            circuitFailures: 1000,
            addressBudget: 2,
            addressWindowMs: 60_000,
          },
        },
      });
      // The first failure makes the webhook unhealthy; from then on 127.0.0.2 has 2 attempts.
      let last: { error: Frame; closed: Closed } | undefined;
      for (let i = 0; i < 6 && last?.error.data?.retryAfterMs === undefined; i++) {
        last = await attempt(server.url, "127.0.0.2", how, `opaque-${i}`);
        expect(last.error.data).toMatchObject({ code: "unauthorized", reason: "auth_unavailable" });
        expect(last.closed.code).toBe(1013);
      }
      expect(webhook.requests).toHaveLength(3);
      expect(last?.error.data?.retryAfterMs).toBeGreaterThan(0);

      // Spent: 127.0.0.2 no longer reaches the webhook; another address still does.
      await attempt(server.url, "127.0.0.2", how, "opaque-again");
      expect(webhook.requests).toHaveLength(3);
      await attempt(server.url, "127.0.0.3", how, "opaque-elsewhere");
      expect(webhook.requests).toHaveLength(4);
    });
  }
});
