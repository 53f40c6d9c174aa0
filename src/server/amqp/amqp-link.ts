import { type ChannelModel, connect, type RecoveringChannelModel } from "amqplib";
import type { LogThrottle } from "../log/log-throttle.js";
import type { Logger } from "../log/logger.js";
import type { BackoffOptions } from "./amqp-bridge-options.js";
import type { AmqpLinkStatus } from "./amqp-bridge-stats.js";

/**
 * The connection to RabbitMQ, kept: amqplib's recovery reconnects for ever with backoff and
 * jitter, and runs `setup` (channels, declarations, consumers) on each new connection before
 * the link says `up`. A failed setup counts as a failed attempt. The URL is never logged
 * (it holds the password).
 */
export class AmqpLink {
  private recovering: RecoveringChannelModel | undefined;
  private current: ChannelModel | undefined;
  private state: AmqpLinkStatus = "down";
  private readonly listeners = new Set<(status: AmqpLinkStatus) => void>();

  constructor(
    private readonly url: string,
    private readonly backoff: BackoffOptions,
    private readonly setup: (connection: ChannelModel) => Promise<void>,
    private readonly log: Logger,
    private readonly throttle: LogThrottle,
    /** Shown in RabbitMQ's list of connections. */
    private readonly connectionName: string,
  ) {}

  get status(): AmqpLinkStatus {
    return this.state;
  }

  /** Starts connecting; resolves at once (the link is `down` until the first connection). */
  async start(): Promise<void> {
    const recovering = await connect(this.url, {
      clientProperties: { connection_name: this.connectionName },
      recovery: {
        initialDelay: this.backoff.initialDelayMs,
        maxDelay: this.backoff.maxDelayMs,
        waitForConnect: false,
        setup: async (connection: ChannelModel) => {
          // Recovery listens for errors only once setup is done; one during it must not throw.
          connection.on("error", (error: Error) => {
            this.throttle.warn("amqp_connection_error", { err: error }, "AMQP connection error");
          });
          this.current = connection;
          await this.setup(connection);
        },
      },
    });
    this.recovering = recovering;
    recovering.on("connect", () => {
      this.log.info("AMQP bridge connected to RabbitMQ");
      this.setStatus("up");
    });
    recovering.on("disconnect", (error: Error) => {
      this.current = undefined;
      this.log.warn({ err: error }, "AMQP bridge lost its connection to RabbitMQ; reconnecting");
      this.setStatus("down");
    });
    recovering.on("connect-failed", (error: Error) => {
      this.current = undefined;
      this.throttle.warn("amqp_connect_failed", { err: error }, "AMQP bridge cannot connect yet");
    });
    recovering.on("error", (error: Error) => {
      this.throttle.warn("amqp_connection_error", { err: error }, "AMQP connection error");
    });
  }

  /** Drops the connection, so that recovery opens a new one (channels and all). */
  recycle(reason: string): void {
    const connection = this.current;
    if (connection === undefined || this.state === "closed") return;
    this.current = undefined;
    this.log.warn({ reason }, "AMQP bridge reconnects to RabbitMQ");
    connection.close().catch(() => {
      // Already closing: recovery sees its close either way.
    });
  }

  onStatus(listener: (status: AmqpLinkStatus) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  async close(): Promise<void> {
    this.setStatus("closed");
    await this.recovering?.close();
  }

  private setStatus(status: AmqpLinkStatus): void {
    if (this.state === status || this.state === "closed") return;
    this.state = status;
    for (const listener of this.listeners) listener(status);
  }
}
