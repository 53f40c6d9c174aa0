import { CLOSE_CODES, PROTOCOL_VERSION } from "../../protocol/index.js";
import type { AuthError } from "../auth/authenticator.js";
import type { Identity } from "../auth/identity.js";
import type { Logger } from "../log/logger.js";
import type { Metrics } from "../metrics/metrics.js";
import { MailboxFeed } from "../router/mailbox-feed.js";
import type { Router } from "../router/router.js";
import type { Session } from "./session.js";
import type { SessionRegistry } from "./session-registry.js";

export interface LifecycleOptions {
  version: string;
  nodeId: string;
  heartbeatMs: number;
}

/** What happens to a session when it authenticates, is refused, or goes away. */
export class SessionLifecycle {
  constructor(
    private readonly registry: SessionRegistry,
    private readonly router: Router,
    private readonly metrics: Metrics,
    private readonly log: Logger,
    private readonly options: LifecycleOptions,
  ) {}

  /** Binds the identity, greets the client, then replays its mailbox and goes live. */
  async authenticated(
    session: Session,
    identity: Identity,
    { ref, since }: { ref?: string | undefined; since?: number | undefined } = {},
  ): Promise<void> {
    clearTimeout(session.authTimer);
    if (session.identity) this.registry.detach(session, session.identity.userId);
    else this.metrics.sessions.inc();
    session.feed?.close();
    session.identity = identity;
    // Each device may resume from its own position [DELIVERY-3]; by default, from the last ack.
    const startAfter = since ?? (await this.router.resumePosition(identity.userId));
    const feed = new MailboxFeed(
      identity.userId,
      this.router.store,
      (frame) => session.sendText(frame),
      (error) => this.log.error({ err: error, user: identity.userId }, "mailbox replay failed"),
      startAfter,
    );
    session.feed = feed;
    await this.registry.attach(session, identity.userId);
    if (!session.isOpen) return;
    session.send({
      type: "welcome",
      ...(ref === undefined ? {} : { ref }),
      data: {
        protocol: PROTOCOL_VERSION,
        sessionId: session.id,
        user: identity.userId,
        roles: identity.roles,
        anonymous: identity.anonymous,
        server: { version: this.options.version, node: this.options.nodeId },
        heartbeatMs: this.options.heartbeatMs,
      },
    });
    feed.replay();
  }

  /** A refused credential ends the session: the client must come back with another one. */
  refused(session: Session, error: AuthError, ref?: string): void {
    this.metrics.authFailures.inc({ reason: error.reason });
    this.log.debug({ session: session.id, reason: error.reason }, "authentication refused");
    session.sendError("unauthorized", error.message, {
      ...(ref === undefined ? {} : { ref }),
      reason: error.reason,
    });
    const code =
      error.reason === "auth_unavailable" ? CLOSE_CODES.tryAgainLater : CLOSE_CODES.unauthorized;
    session.close(code, error.reason);
  }

  closed(session: Session): void {
    clearTimeout(session.authTimer);
    if (session.identity) this.metrics.sessions.dec();
    session.markClosed();
    this.registry.remove(session);
  }
}
