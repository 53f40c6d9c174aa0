import { CLOSE_CODES, PROTOCOL_VERSION } from "../../protocol/index.js";
import { AuthError } from "../auth/authenticator.js";
import type { Identity } from "../auth/identity.js";
import type { Admission } from "../dialects/dialect.js";
import type { LogThrottle } from "../log/log-throttle.js";
import type { Metrics } from "../metrics/metrics.js";
import type { RoomRouter } from "../router/room-router.js";
import type { Router } from "../router/router.js";
import type { RoleDirectory } from "../rules/role-directory.js";
import { MailboxFeed } from "./mailbox-feed.js";
import type { ErrorDetails, Session } from "./session.js";
import type { SessionRegistry } from "./session-registry.js";

/** setTimeout's largest delay; a later expiry is re-armed when this one fires. */
const MAX_TIMER_MS = 2_147_483_647;

export interface LifecycleOptions {
  /** 0 = no limit. */
  maxSessionsPerUser: number;
  /** A session must authenticate within this time or is closed with 4408. */
  authTimeoutMs: number;
  version: string;
  nodeId: string;
  heartbeatMs: number;
}

/** What happens to a session when it is admitted, authenticates, is refused, or goes away. */
export interface LifecycleDeps {
  registry: SessionRegistry;
  router: Router;
  rooms: RoomRouter;
  directory: RoleDirectory;
  metrics: Metrics;
  /** Every line a client can cause goes through it [LIMIT-4]. */
  throttle: LogThrottle;
}

export class SessionLifecycle {
  private readonly registry: SessionRegistry;
  private readonly router: Router;
  private readonly rooms: RoomRouter;
  private readonly directory: RoleDirectory;
  private readonly metrics: Metrics;
  private readonly throttle: LogThrottle;

  constructor(
    deps: LifecycleDeps,
    private readonly options: LifecycleOptions,
  ) {
    ({
      registry: this.registry,
      router: this.router,
      rooms: this.rooms,
      directory: this.directory,
      metrics: this.metrics,
      throttle: this.throttle,
    } = deps);
  }

  /**
   * A new connection, as its dialect admitted it (a refusal never gets this far). `handover`:
   * it replaces a connection, whose written mail is acknowledged once this resolves.
   */
  opened(
    session: Session,
    admission: Exclude<Admission, { kind: "refused" }>,
    handover?: Promise<void>,
  ): void {
    this.registry.add(session);
    session.metrics.connectionOpened();
    if (admission.since === null) {
      session.sendError(
        "invalid_field",
        "`since` must be a non-negative integer; resuming from the last acknowledged mail.",
        { field: "since" },
      );
    }
    switch (admission.kind) {
      case "identified": {
        const { identity, since } = admission;
        const resume = since === null || since === undefined ? {} : { since };
        // In the frame queue, so that an `auth` frame sent at once waits for this start.
        const start = () =>
          this.authenticated(session, identity, resume).catch((error: unknown) =>
            this.failedToStart(session, error),
          );
        // The mailbox position is read after the replaced connection's acknowledgements land:
        // what it was written is not replayed here, and what it was not is.
        session.enqueue(handover === undefined ? start : () => handover.then(start));
        return;
      }
      case "unauthorized":
        // Told over the WebSocket, which a browser can read, unlike a refused handshake [AUTH-1].
        this.refused(session, admission.error);
        return;
      case "turned_away": {
        const { error, close } = admission;
        session.sendError(error.code, error.message, { field: error.field });
        session.close(close.code, close.reason);
        return;
      }
      case "pending":
        session.setDeadline(this.options.authTimeoutMs, this.authTimedOut, undefined);
        return;
      default: {
        const unknown: never = admission;
        throw new Error(`unknown admission ${JSON.stringify(unknown)}`);
      }
    }
  }

  /** Binds the identity, greets the client, then replays its mailbox and goes live. */
  async authenticated(
    session: Session,
    identity: Identity,
    { ref, since }: { ref?: string | undefined; since?: number | undefined } = {},
  ): Promise<void> {
    session.clearDeadline();
    this.watchExpiry(session, identity);
    // Recipients' roles for `role:` permission targets [ROLE-1].
    if (!identity.anonymous) this.directory.remember(identity.userId, identity.roles);
    const previous = session.identity;
    if (previous) {
      this.registry.detach(session, previous.userId);
      // An anonymous session becoming a real user leaves its rooms under the old name.
      if (session.roomCount > 0) await this.rooms.leaveAll(session, previous);
    } else {
      session.metrics.sessionStarted();
    }
    session.bind(identity);
    // Each device may resume from its own position [DELIVERY-3]; by default, from the last ack.
    const startAfter = await this.router.resumePosition(identity.userId, since);
    if (!session.isOpen) return;
    // Checked right before `attach` counts the session, with no await between: concurrent
    // logins of one user cannot all pass [LIMIT-3].
    const max = this.options.maxSessionsPerUser;
    if (max > 0 && this.registry.sessionCount(identity.userId) >= max) {
      session.sendError(
        "too_many_sessions",
        `${identity.userId} already has ${max} sessions on this node.`,
        { ref },
      );
      session.close(CLOSE_CODES.tooManySessions, "too_many_sessions");
      return;
    }
    const feed = new MailboxFeed({
      userId: identity.userId,
      store: this.router.store,
      startAfter,
      reader: session,
      onError: (error) => this.failedToStart(session, error),
    });
    session.follow(feed);
    await this.registry.attach(session, identity.userId);
    if (!session.isOpen) {
      // Closed while subscribing: `closed()` ran before the attach and could not undo it.
      this.registry.detach(session, identity.userId);
      return;
    }
    // The rooms everyone of this dialect is in (the broadcast dialect's chat room): named in
    // the welcome, so that the client counts itself in them before any of their frames come
    // [ROOM-4].
    const arriving = session.dialect.arrivalRooms.filter((room) => !session.inRoom(room));
    this.welcome(session, ref, arriving);
    feed.replay();
    for (const room of arriving) await this.arrive(session, identity, room);
  }

  /** A join the server makes, told to the client as a `joined` (or `left`) without `ref`. */
  private async arrive(session: Session, identity: Identity, room: string): Promise<void> {
    const joined = await this.rooms.join(session, identity, room, undefined);
    if (!session.isOpen) return;
    if (!joined.ok) {
      session.sendError(joined.code, joined.message);
      session.send({ type: "left", data: { room, by: "server" } });
      return;
    }
    const { position } = joined.value;
    session.send({ type: "joined", data: { room, position, recovered: true, by: "server" } });
  }

  /** A new token for the same user: new claims and expiry, same mailbox feed. */
  refreshed(session: Session, identity: Identity, ref?: string): void {
    session.refresh(identity);
    this.directory.remember(identity.userId, identity.roles);
    this.watchExpiry(session, identity);
    session.inOrder(() => this.welcome(session, ref));
  }

  /** The session cannot go on (its mailbox cannot be read): the client reconnects and resumes. */
  failedToStart(session: Session, error: unknown): void {
    this.throttle.error("session_failed", { err: error, session: session.id }, "session failed");
    session.sendError("internal_error", "The session failed on the server; reconnect to resume.");
    session.close(CLOSE_CODES.internalError, "session_failed");
  }

  /**
   * A credential sent in band (`auth`) was refused: the session ends, unless its dialect keeps
   * the connection for another try (Dialect.authRefusal).
   */
  refusedInBand(session: Session, error: AuthError, ref: string | undefined): void {
    if (session.dialect.authRefusal === "close") {
      this.refused(session, error, ref);
      return;
    }
    this.noteRefusal(session, error);
    session.inOrder(() =>
      session.sendError("unauthorized", refusalMessage(error), details(error, ref)),
    );
  }

  /** A refused credential ends the session: the client must come back with another one. */
  refused(session: Session, error: AuthError, ref?: string): void {
    this.noteRefusal(session, error);
    session.sendError("unauthorized", refusalMessage(error), details(error, ref));
    const code =
      error.reason === "auth_unavailable" ? CLOSE_CODES.tryAgainLater : CLOSE_CODES.unauthorized;
    session.close(code, error.reason);
  }

  /** Counted by reason; the outage behind `auth_unavailable` is logged by the authenticator. */
  private noteRefusal(session: Session, error: AuthError): void {
    this.metrics.authFailed(error.reason);
    const details = { session: session.id, reason: error.reason };
    this.throttle.debug(`auth_refused:${error.reason}`, details, "authentication refused");
  }

  /** The socket closed with `code` (1006: without a close frame). */
  closed(session: Session, code: number): void {
    const identity = session.identity;
    session.metrics.connectionClosed(code, identity !== undefined);
    session.markClosed();
    this.registry.remove(session);
    if (identity && session.roomCount > 0) {
      this.rooms
        .leaveAll(session, identity)
        .catch((error: unknown) =>
          this.throttle.error(
            "leaving_rooms_failed",
            { err: error, session: session.id },
            "leaving rooms failed",
          ),
        );
    }
  }

  /** No identity within auth.timeoutMs: closed with 4408. */
  private readonly authTimedOut = (session: Session): void => {
    if (session.identity) return;
    this.metrics.authFailed("auth_timeout");
    session.sendError(
      "unauthorized",
      `No authentication within ${this.options.authTimeoutMs} ms.`,
      {
        reason: "auth_timeout",
      },
    );
    session.close(CLOSE_CODES.authTimeout, "auth_timeout");
  };

  /**
   * A session lives no longer than its credential [AUTH-2]: at the token's expiry it is
   * closed with 4401 `token_expired`, unless the client sent a fresh token before.
   */
  private watchExpiry(session: Session, identity: Identity): void {
    if (identity.expiresAt === undefined) {
      session.clearDeadline();
      return;
    }
    const delay = Math.min(Math.max(identity.expiresAt - Date.now(), 0), MAX_TIMER_MS);
    session.setDeadline(delay, this.expire, identity);
  }

  private readonly expire = (session: Session, identity: Identity): void => {
    if (session.identity !== identity) return;
    if (identity.expiresAt !== undefined && identity.expiresAt > Date.now()) {
      this.watchExpiry(session, identity);
      return;
    }
    this.refused(
      session,
      new AuthError("token_expired", "The session's token expired; reconnect with a fresh one."),
    );
  };

  private welcome(session: Session, ref: string | undefined, rooms: string[] = []): void {
    const identity = session.identity;
    if (!identity || !session.isOpen) return;
    session.send({
      type: "welcome",
      ref,
      data: {
        protocol: PROTOCOL_VERSION,
        sessionId: session.id,
        user: identity.userId,
        roles: identity.roles,
        anonymous: identity.anonymous,
        server: { version: this.options.version, node: this.options.nodeId },
        heartbeatMs: this.options.heartbeatMs,
        // Where this session's mailbox delivery starts: below a client's `since` when the
        // mailbox was reset (a new store), so the client knows to forget its position.
        mailbox: { after: session.mailboxPosition },
        ...(typeof identity.claims.requestedName === "string"
          ? { requestedName: identity.claims.requestedName }
          : {}),
        ...(rooms.length > 0 ? { rooms } : {}),
      },
    });
  }
}

/** Why a check could not run (a webhook's address, a JWKS outage) is the operator's business. */
function refusalMessage(error: AuthError): string {
  return error.reason === "auth_unavailable"
    ? "Credentials cannot be checked right now; retry with backoff."
    : error.message;
}

/** The error frame's details: the reason, and when trying again may help (`auth_unavailable`). */
function details(error: AuthError, ref: string | undefined): ErrorDetails {
  const retryAfterMs = error.retryAfterMs;
  return retryAfterMs === undefined
    ? { ref, reason: error.reason }
    : { ref, reason: error.reason, retryAfterMs };
}
