import type { ConnectionMetrics, Metrics } from "./metrics.js";

const nothing = (): void => {};

/** Counts nothing: a node with `metrics.enabled: false`, and parts built alone in tests. */
export class NoMetrics implements Metrics {
  private static readonly connectionMetrics: ConnectionMetrics = {
    connectionOpened: nothing,
    connectionClosed: nothing,
    sessionStarted: nothing,
    frameIn: nothing,
    frameOut: nothing,
    errorSent: nothing,
    slowReaderCut: nothing,
    messageAccepted: nothing,
    mailDelivered: nothing,
  };

  connections(): ConnectionMetrics {
    return NoMetrics.connectionMetrics;
  }

  connectionRefused(): void {}
  heartbeatTimedOut(): void {}
  authFailed(): void {}
  mailRouted(): void {}
  duplicateSend(): void {}
  mailRefused(): void {}
  mailDropped(): void {}
  mailExpired(): void {}
  receiptMade(): void {}
  roomJoined(): void {}
  eventsDeclared(): void {}
  eventAccepted(): void {}
  eventRefused(): void {}
  mailboxCommit(): void {}
  redisConnectionError(): void {}
  redisConnectionUp(): void {}
  amqpBridge(): void {}
}
