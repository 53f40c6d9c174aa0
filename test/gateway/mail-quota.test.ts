import { stat } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { PostofficeClient } from "../../src/client/index.js";
import { type LocalHttp, sendJson, startLocalHttp } from "../auth/local-http.js";
import { metricValue } from "../support/metrics.js";
import { type Frame, signToken, TestClient } from "../support/test-client.js";
import type { TestServer } from "../support/test-server.js";
import { until } from "../support/until.js";
import { useTestServer } from "../support/use-test-server.js";

/** The last `seq` of a user's mailbox (0: it never held anything), as a session resuming past its end is told. */
async function lastSeq(server: TestServer, user: string): Promise<number> {
  const client = new TestClient(server.url);
  try {
    await client.opened;
    const token = await signToken({ sub: user });
    client.send({ type: "auth", id: "auth-1", data: { token, since: 1_000_000_000 } });
    const welcome = await client.nextOfType("welcome");
    return (welcome.data as { mailbox: { after: number } }).mailbox.after;
  } finally {
    client.ws.terminate();
  }
}

/** The replies to frames `ref-0` … `ref-<count-1>`, in the order they came. */
async function replies(client: TestClient, count: number): Promise<Frame[]> {
  const answers: Frame[] = [];
  for (let n = 0; n < count; n++) {
    answers.push(
      await client.next(
        (f) => (f.type === "receipt" || f.type === "error") && f.ref === `ref-${n}`,
      ),
    );
  }
  return answers;
}

function codeOf(frame: Frame): string {
  return frame.type === "receipt" ? "accepted" : String((frame.data as { code: string }).code);
}

/** The `text` of the mail a user's new session replays from the start of its mailbox. */
async function mailOf(client: TestClient, count: number): Promise<string[]> {
  const texts: string[] = [];
  for (let n = 0; n < count; n++) {
    const mail = await client.next((f) => f.type === "message");
    texts.push(String((mail.data as { body: { text: string } }).body.text));
  }
  return texts;
}

describe("what one sender may put in other users' mailboxes [LIMIT-8]", () => {
  const { start, connect, track } = useTestServer();

  it("refuses mail past limits.sender.maxBytes with quota_exceeded and retryAfterMs; nothing of it is kept", async () => {
    const server = await start({ limits: { sender: { maxBytes: 2000 } } });
    const alice = await connect("alice");
    const text = "x".repeat(900);
    for (let n = 0; n < 3; n++)
      alice.send({ type: "message", id: `ref-${n}`, data: { to: "bob", text } });
    // Mail to oneself is not counted.
    alice.send({ type: "message", id: "ref-3", data: { to: "alice", text } });
    const answers = await replies(alice, 4);
    expect(answers.map(codeOf)).toEqual(["accepted", "accepted", "quota_exceeded", "accepted"]);
    const refused = answers[2]?.data as { retryAfterMs: number; message: string };
    expect(refused.retryAfterMs).toBeGreaterThan(3_500_000);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(3_600_000);
    expect(
      await metricValue(server, 'postoffice_mail_refused_total{reason="quota_exceeded"}'),
    ).toBe(1);
    expect(await metricValue(server, 'postoffice_errors_total{code="quota_exceeded"}')).toBe(1);
    expect(await lastSeq(server, "bob")).toBe(2);
  });

  it("refuses mail that would start a mailbox past limits.sender.maxNewMailboxes, and keeps mail to mailboxes that exist", async () => {
    const server = await start({ limits: { sender: { maxNewMailboxes: 3 } } });
    const mallory = await connect("mallory");
    const to = ["u1", "u2", "u3", "u4", "u1", "u5", "u2"];
    to.forEach((user, n) => {
      mallory.send({ type: "message", id: `ref-${n}`, data: { to: user, text: `to ${user}` } });
    });
    const answers = await replies(mallory, to.length);
    expect(answers.map(codeOf)).toEqual([
      "accepted",
      "accepted",
      "accepted",
      "too_many_new_mailboxes",
      "accepted",
      "too_many_new_mailboxes",
      "accepted",
    ]);
    expect(answers[3]?.data).toMatchObject({ retryAfterMs: expect.any(Number) });
    expect(
      await metricValue(server, 'postoffice_mail_refused_total{reason="too_many_new_mailboxes"}'),
    ).toBe(2);
    expect(await lastSeq(server, "u4")).toBe(0);
    expect(await lastSeq(server, "u5")).toBe(0);
    expect(await lastSeq(server, "u1")).toBe(2);
    // A mailbox that already held mail does not count, whoever started it.
    const alice = await connect("alice");
    alice.send({ type: "message", id: "ref-0", data: { to: "carol", text: "hello" } });
    expect(codeOf((await replies(alice, 1))[0] as Frame)).toBe("accepted");
    mallory.send({ type: "message", id: "ref-7", data: { to: "carol", text: "hi" } });
    expect(codeOf(await mallory.next((f) => f.ref === "ref-7" && f.type !== "message"))).toBe(
      "accepted",
    );
  });

  it("keeps each sender's order to each recipient while it asks the store whether mailboxes exist", async () => {
    await start({ limits: { sender: { maxNewMailboxes: 50 } } });
    const alice = await connect("alice");
    const recipients = ["r1", "r2", "r3"];
    const count = 30;
    for (let n = 0; n < count; n++) {
      const to = recipients[n % recipients.length] as string;
      alice.send({ type: "message", id: `ref-${n}`, data: { to, text: `${to}:${n}` } });
    }
    expect((await replies(alice, count)).map(codeOf)).toEqual(Array(count).fill("accepted"));
    for (const user of recipients) {
      const texts = await mailOf(await connect(user), count / recipients.length);
      const sent = Array.from({ length: count }, (_, n) => n)
        .filter((n) => n % recipients.length === recipients.indexOf(user))
        .map((n) => `${user}:${n}`);
      expect(texts).toEqual(sent);
    }
  });

  it("with mailbox.recipients: list, refuses mail to anyone not listed with unknown_recipient", async () => {
    const server = await start({ mailbox: { recipients: "list", recipientList: ["bob"] } });
    const alice = await connect("alice");
    const to = ["bob", "carol", "alice"];
    to.forEach((user, n) => {
      alice.send({ type: "message", id: `ref-${n}`, data: { to: user, text: "hi" } });
    });
    const answers = await replies(alice, to.length);
    expect(answers.map(codeOf)).toEqual(["accepted", "unknown_recipient", "accepted"]);
    expect(answers[1]?.data).not.toHaveProperty("retryAfterMs");
    expect(
      await metricValue(server, 'postoffice_mail_refused_total{reason="unknown_recipient"}'),
    ).toBe(1);
    expect(await lastSeq(server, "carol")).toBe(0);
  });

  describe("with mailbox.recipients: webhook", () => {
    let webhook: LocalHttp | undefined;
    afterEach(async () => {
      await webhook?.close();
      webhook = undefined;
    });

    it("takes mail for users the webhook says exist, refuses others with unknown_recipient, asks once per user, and never about oneself", async () => {
      webhook = await startLocalHttp((_req, res, body) => {
        const { user } = JSON.parse(body) as { user: string };
        sendJson(res, 200, { exists: user === "bob" });
      });
      const server = await start({
        mailbox: {
          recipients: "webhook",
          recipientWebhook: { url: `${webhook.url}/exists?key=s3cret`, cacheMs: 60_000 },
        },
      });
      const alice = await connect("alice");
      const to = ["bob", "carol", "bob", "carol", "alice"];
      to.forEach((user, n) => {
        alice.send({ type: "message", id: `ref-${n}`, data: { to: user, text: `${n}` } });
      });
      const answers = await replies(alice, to.length);
      expect(answers.map(codeOf)).toEqual([
        "accepted",
        "unknown_recipient",
        "accepted",
        "unknown_recipient",
        "accepted",
      ]);
      expect(webhook.requests).toEqual(['{"user":"bob"}', '{"user":"carol"}']);
      expect(
        await metricValue(server, 'postoffice_mail_refused_total{reason="unknown_recipient"}'),
      ).toBe(2);
      expect(await mailOf(track(await connect("bob")), 2)).toEqual(["0", "2"]);
      expect(await lastSeq(server, "carol")).toBe(0);
    });

    it("refuses mail with recipient_check_unavailable and retryAfterMs while the webhook fails or is slow, and keeps none of it", async () => {
      let slow = false;
      webhook = await startLocalHttp((_req, res) => {
        // Slow: never answers; the call's deadline ends it.
        if (!slow) sendJson(res, 500, {});
      });
      const server = await start({
        mailbox: {
          recipients: "webhook",
          recipientWebhook: { url: webhook.url, timeoutMs: 300, cacheMs: 60_000 },
        },
      });
      const alice = await connect("alice");
      alice.send({ type: "message", id: "ref-0", data: { to: "bob", text: "500" } });
      const failed = (await replies(alice, 1))[0] as Frame;
      slow = true;
      alice.send({ type: "message", id: "ref-1", data: { to: "bob", text: "slow" } });
      alice.send({ type: "message", id: "ref-2", data: { to: "alice", text: "self" } });
      const timedOut = await alice.next((f) => f.ref === "ref-1");
      const self = await alice.next((f) => f.ref === "ref-2" && f.type !== "message");
      for (const frame of [failed, timedOut]) {
        expect(codeOf(frame as Frame)).toBe("recipient_check_unavailable");
        const data = (frame as Frame).data as { retryAfterMs: number; message: string };
        expect(data.retryAfterMs).toBeGreaterThan(0);
        expect(data.message).not.toContain(webhook.url);
      }
      expect(codeOf(self as Frame)).toBe("accepted");
      expect(
        await metricValue(
          server,
          'postoffice_mail_refused_total{reason="recipient_check_unavailable"}',
        ),
      ).toBe(2);
      expect(await lastSeq(server, "bob")).toBe(0);
    });

    it("lets the SDK's mail wait out an unavailable check and land once the webhook answers", async () => {
      let up = false;
      let calls = 0;
      webhook = await startLocalHttp((_req, res) => {
        calls += 1;
        if (up) sendJson(res, 200, { exists: true });
        else sendJson(res, 500, {});
      });
      const server = await start({
        mailbox: {
          recipients: "webhook",
          recipientWebhook: { url: webhook.url, timeoutMs: 300, cacheMs: 60_000 },
        },
      });
      const alice = new PostofficeClient({
        url: server.url,
        token: await signToken({ sub: "alice" }),
        WebSocket,
      });
      try {
        await alice.connect();
        const sent = alice.send("bob", { text: "hello" });
        await until(() => calls >= 1, "the webhook to be asked");
        up = true;
        const accepted = await sent;
        expect(accepted.id).toMatch(/-/);
        expect(await lastSeq(server, "bob")).toBe(1);
      } finally {
        alice.close();
      }
    });
  });

  it("with mailbox.recipients: connected, takes mail only for users who have connected once, remembered across a restart", async () => {
    const server = await start({ mailbox: { recipients: "connected" } });
    const alice = await connect("alice");
    alice.send({ type: "message", id: "ref-0", data: { to: "bob", text: "before" } });
    expect(codeOf((await replies(alice, 1))[0] as Frame)).toBe("unknown_recipient");
    const bob = await connect("bob");
    bob.ws.terminate();
    alice.send({ type: "message", id: "ref-1", data: { to: "bob", text: "after" } });
    expect(codeOf(await alice.next((f) => f.ref === "ref-1"))).toBe("accepted");
    alice.ws.terminate();
    const file = join(server.config.server.dataDir, "known-users.db");
    expect((await stat(file)).mode & 0o777).toBe(0o600);

    await server.halt();
    await start({ mailbox: { recipients: "connected" } }, { dir: server.dir });
    const again = await connect("alice");
    again.send({ type: "message", id: "ref-2", data: { to: "bob", text: "restarted" } });
    again.send({ type: "message", id: "ref-3", data: { to: "dave", text: "who?" } });
    expect(codeOf(await again.next((f) => f.ref === "ref-2"))).toBe("accepted");
    expect(codeOf(await again.next((f) => f.ref === "ref-3"))).toBe("unknown_recipient");
    const bobAgain = track(await connect("bob"));
    expect(await mailOf(bobAgain, 2)).toEqual(["after", "restarted"]);
  });

  it("gives a connection that has not authenticated no way to send mail, within its small budget", async () => {
    const server = await start();
    const anonymous = track(new TestClient(server.url));
    await anonymous.opened;
    for (let n = 0; n < 20; n++) {
      anonymous.send({ type: "message", id: `ref-${n}`, data: { to: "bob", text: "spam" } });
    }
    const first = await anonymous.next((f) => f.type === "error" && f.ref === "ref-0");
    expect(first.data).toMatchObject({ code: "unauthorized", reason: "token_missing" });
    // Past limits.unauthenticated.maxFrames (10) it is closed, the rest unread.
    expect((await anonymous.closed).code).toBe(1008);
    expect(await lastSeq(server, "bob")).toBe(0);
  });
});
