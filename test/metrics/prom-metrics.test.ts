import { describe, expect, it } from "vitest";
import { ERROR_CODES } from "../../src/protocol/index.js";
import { closeCodeLabel } from "../../src/server/metrics/labels.js";
import { samplesFrom, testMetrics } from "./test-metrics.js";

const FRAME_TYPES = [
  "auth",
  "message",
  "ack",
  "read",
  "join",
  "leave",
  "who",
  "broadcast",
  "ping",
  "invalid",
  "ignored",
  "reply",
];
const DIALECTS = ["native", "broadcast"];
const AUTH_REASONS = [
  "token_missing",
  "token_malformed",
  "token_unknown",
  "token_signature_invalid",
  "token_algorithm_forbidden",
  "token_expired",
  "token_not_yet_valid",
  "token_claim_invalid",
  "token_user_missing",
  "token_rejected",
  "auth_unavailable",
  "auth_timeout",
];

describe("the node's metrics before anything happened", () => {
  it("expose every labelled counter of a closed set at 0", async () => {
    const samples = await samplesFrom(testMetrics());
    const expected = [
      ...Object.keys(ERROR_CODES).map((code) => `postoffice_errors_total{code="${code}"}`),
      ...AUTH_REASONS.map((reason) => `postoffice_auth_failures_total{reason="${reason}"}`),
      ...["direct", "room", "broadcast"].map(
        (kind) => `postoffice_messages_routed_total{kind="${kind}"}`,
      ),
      ...["delivered", "read"].map((status) => `postoffice_receipts_total{status="${status}"}`),
      ...DIALECTS.flatMap((dialect) => [
        `postoffice_connections{dialect="${dialect}"}`,
        `postoffice_sessions_authenticated{dialect="${dialect}"}`,
        `postoffice_frames_out_total{dialect="${dialect}"}`,
        ...FRAME_TYPES.map(
          (type) => `postoffice_frames_in_total{type="${type}",dialect="${dialect}"}`,
        ),
        ...["1000", "1001", "1006", "1009", "4401", "4429", "3xxx", "4xxx", "other"].map(
          (code) => `postoffice_disconnects_total{code="${code}",dialect="${dialect}"}`,
        ),
      ]),
      'postoffice_connections_refused_total{reason="origin_not_allowed"}',
      'postoffice_connections_refused_total{reason="too_many_connections"}',
      "postoffice_slow_readers_total",
      "postoffice_heartbeat_timeouts_total",
      'postoffice_accept_latency_seconds_count{kind="direct"}',
      'postoffice_accept_latency_seconds_count{kind="room"}',
      "postoffice_delivery_latency_seconds_count",
    ];
    expect(expected.filter((sample) => samples.get(sample) !== 0)).toEqual([]);
  });

  it("say which build runs, on which Node.js", async () => {
    const samples = await samplesFrom(testMetrics());
    expect(
      samples.get('postoffice_build_info{version="0.0.0-test",commit="abc1234",node="v20.20.2"}'),
    ).toBe(1);
  });
});

describe("the node's metrics", () => {
  it("count by dialect, and add the dialects up for the dashboard", async () => {
    const metrics = testMetrics();
    const native = metrics.connections("native");
    const chat = metrics.connections("broadcast");
    native.connectionOpened();
    native.sessionStarted();
    chat.connectionOpened();
    chat.connectionOpened();
    chat.connectionClosed(1000, false);
    native.frameIn("message");
    chat.frameIn("message");
    chat.frameIn("reply");
    native.frameOut();
    native.errorSent("rate_limited");
    metrics.mailRouted("room");
    const samples = await samplesFrom(metrics);
    expect(samples.get('postoffice_connections{dialect="native"}')).toBe(1);
    expect(samples.get('postoffice_connections{dialect="broadcast"}')).toBe(1);
    expect(samples.get('postoffice_sessions_authenticated{dialect="native"}')).toBe(1);
    expect(samples.get('postoffice_frames_in_total{type="message",dialect="broadcast"}')).toBe(1);
    expect(samples.get('postoffice_frames_in_total{type="reply",dialect="broadcast"}')).toBe(1);
    expect(samples.get('postoffice_frames_out_total{dialect="native"}')).toBe(1);
    expect(samples.get('postoffice_disconnects_total{code="1000",dialect="broadcast"}')).toBe(1);
    expect(await metrics.totals()).toEqual({
      connections: 2,
      sessions: 1,
      // Dialects with an open connection only (messagetransfer and the others are left out).
      dialects: {
        native: { connections: 1, sessions: 1 },
        broadcast: { connections: 1, sessions: 0 },
      },
      messagesRouted: { direct: 0, room: 1, broadcast: 0 },
      errors: { rate_limited: 1 },
    });
  });

  it("keep counting across scrapes: a scrape reports what came since the last one", async () => {
    const metrics = testMetrics();
    const native = metrics.connections("native");
    native.frameIn("ping");
    await samplesFrom(metrics);
    native.frameIn("ping");
    native.frameIn("ping");
    const samples = await samplesFrom(metrics);
    expect(samples.get('postoffice_frames_in_total{type="ping",dialect="native"}')).toBe(3);
  });

  it("bucket latencies cumulatively, with their sum and count", async () => {
    const metrics = testMetrics();
    const native = metrics.connections("native");
    const now = performance.now();
    // Arrived 3 ms and 300 ms ago.
    native.messageAccepted("direct", now - 3);
    native.messageAccepted("direct", now - 300);
    const samples = await samplesFrom(metrics);
    const bucket = (le: string) =>
      samples.get(`postoffice_accept_latency_seconds_bucket{kind="direct",le="${le}"}`);
    expect([
      bucket("0.0025"),
      bucket("0.005"),
      bucket("0.25"),
      bucket("0.5"),
      bucket("+Inf"),
    ]).toEqual([0, 1, 1, 2, 2]);
    expect(samples.get('postoffice_accept_latency_seconds_count{kind="direct"}')).toBe(2);
    expect(samples.get('postoffice_accept_latency_seconds_sum{kind="direct"}')).toBeGreaterThan(
      0.3,
    );
    expect(samples.get('postoffice_accept_latency_seconds_count{kind="room"}')).toBe(0);
  });

  it("count a client's own close codes by range, so that clients cannot grow the label set", () => {
    expect(
      [1000, 1001, 1006, 1009, 1011, 1013, 4400, 4401, 4408, 4409, 4429].map(closeCodeLabel),
    ).toEqual([
      "1000",
      "1001",
      "1006",
      "1009",
      "1011",
      "1013",
      "4400",
      "4401",
      "4408",
      "4409",
      "4429",
    ]);
    expect([3000, 3999, 4000, 4123, 4999, 1004, 2000, 5000].map(closeCodeLabel)).toEqual([
      "3xxx",
      "3xxx",
      "4xxx",
      "4xxx",
      "4xxx",
      "other",
      "other",
      "other",
    ]);
  });

  it("expose a Redis connection's failures at 0 once it reports, and the store's commits", async () => {
    const metrics = testMetrics();
    metrics.redisConnectionUp("publish", true);
    metrics.mailboxCommit(12, true, 0.002);
    const samples = await samplesFrom(metrics);
    expect(samples.get('postoffice_redis_connection_up{connection="publish"}')).toBe(1);
    expect(samples.get('postoffice_redis_connection_errors_total{connection="publish"}')).toBe(0);
    expect(samples.get("postoffice_mailbox_commit_seconds_count")).toBe(1);
    expect(samples.get('postoffice_mailbox_commit_seconds_bucket{le="0.0025"}')).toBe(1);
    expect(samples.get("postoffice_mailbox_wal_syncs_total")).toBe(1);
  });
});
