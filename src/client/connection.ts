import { CLOSE_CODES, PROTOCOL_VERSION } from "../protocol/index.js";
import { backoffDelay, drainWindow } from "./backoff.js";
import { closedError, PostofficeError } from "./errors.js";
import type { ClientOptions, ConnectionState, SocketFactory, SocketLike } from "./types.js";

type Timer = ReturnType<typeof setTimeout>;

/** Closes after which trying again unchanged cannot succeed. */
const TERMINAL = new Set<number>([CLOSE_CODES.badRequest, CLOSE_CODES.tooManySessions]);
/** The least wait before reconnecting after a 4429 (flooding) close. */
const FLOODING_FLOOR_MS = 1000;

/** What a {@link Connection} tells the client it serves, and asks of it. */
export interface ConnectionHooks {
  /** The mailbox position to resume from, for the next `auth` (or anonymous URL). */
  resume(): { since?: number };
  /** A text frame from the current socket. */
  received(socket: SocketLike, text: string): void;
  /** The current socket closed (`code`): answers still awaited on it will not come. */
  dropped(code: number): void;
  /** The server refused this client for good; `terminate(error)` follows. */
  refused(error: PostofficeError): void;
  /** The client is closed for good: whatever is pending fails with `error`. */
  abandoned(error: PostofficeError): void;
  stateChanged(state: ConnectionState): void;
  failed(error: unknown): void;
}

/**
 * One socket at a time, authenticated with the client's token, and the reconnect policy:
 * backoff with jitter (reset once a connection stayed open a while), a drain's own window
 * after a 1001, at least the server's `retryAfterMs` after a 4429, and no retry at all after
 * a close that cannot succeed again (4400, 4409, or 4401 with a fixed token).
 */
export class Connection {
  private socket: SocketLike | undefined;
  private current: ConnectionState = "closed";
  /** `terminate()` was called: closed by the application, or refused by the server. */
  private closedForGood = false;
  private attempt = 0;
  private timer: Timer | undefined;
  /** Resets the backoff once a connection has stayed open a while. */
  private stableTimer: Timer | undefined;
  /** The `retryAfterMs` of the last `rate_limited` error on this connection. */
  private lastRetryAfterMs: number | undefined;
  private expectsAuthWelcome = false;
  private pendingConnect:
    | { promise: Promise<void>; resolve: () => void; reject: (error: PostofficeError) => void }
    | undefined;
  private readonly factory: SocketFactory;

  constructor(
    private readonly options: ClientOptions,
    private readonly hooks: ConnectionHooks,
  ) {
    const factory = options.WebSocket ?? (globalThis as { WebSocket?: SocketFactory }).WebSocket;
    if (factory === undefined) {
      throw new Error(
        "No WebSocket implementation: pass `WebSocket` (in Node 20, the `ws` package's).",
      );
    }
    this.factory = factory;
  }

  get state(): ConnectionState {
    return this.current;
  }

  get terminated(): boolean {
    return this.closedForGood;
  }

  /** The promise of `PostofficeClient.connect()`: one socket at a time, one promise. */
  connect(): Promise<void> {
    if (this.closedForGood) return Promise.reject(closedError());
    if (this.current === "open") return Promise.resolve();
    if (this.pendingConnect === undefined) {
      let resolve: () => void = () => undefined;
      let reject: (error: PostofficeError) => void = () => undefined;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      this.pendingConnect = { promise, resolve, reject };
    }
    const { promise } = this.pendingConnect;
    // Not started yet: start. Otherwise a socket or a reconnect timer is already on its way.
    if (this.current === "closed") void this.open();
    return promise;
  }

  /** Writes a frame; false when it could not be written (not connected). */
  write(text: string): boolean {
    if (this.current !== "open" || this.socket === undefined) return false;
    try {
      this.socket.send(text);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * With a token, only the answer to our `auth` counts: an anonymous server greets every
   * connection at once, before the token has been checked.
   */
  acceptsWelcome(ref: string | undefined): boolean {
    return !(this.expectsAuthWelcome && ref !== "auth");
  }

  rateLimited(retryAfterMs: number): void {
    this.lastRetryAfterMs = retryAfterMs;
  }

  /** Welcomed: open, and the backoff resets if it stays open a while. */
  established(): void {
    clearTimeout(this.stableTimer);
    const { resetAfterMs = 10_000 } = this.options.reconnect ?? {};
    this.stableTimer = setTimeout(() => {
      this.attempt = 0;
    }, resetAfterMs);
    this.setState("open");
  }

  /** Resolves the pending `connect()`. */
  ready(): void {
    const pending = this.pendingConnect;
    this.pendingConnect = undefined;
    pending?.resolve();
  }

  /** Drops `socket` quietly, to start again on a new one (see `reopenIfIdle`). */
  restart(socket: SocketLike, reason: string): void {
    detach(socket);
    this.socket = undefined;
    socket.close(1000, reason);
  }

  /** Opens a new socket unless one, or a reconnect timer, is on its way. */
  reopenIfIdle(): void {
    if (!this.closedForGood && this.socket === undefined && this.timer === undefined) {
      void this.open();
    }
  }

  /** Closes for good: no reconnect; what is pending fails with `error`. */
  terminate(error: PostofficeError): void {
    this.closedForGood = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    clearTimeout(this.stableTimer);
    const socket = this.socket;
    this.socket = undefined;
    if (socket !== undefined) {
      detach(socket);
      try {
        socket.close(1000, "client closed");
      } catch {
        // Already closing.
      }
    }
    this.hooks.abandoned(error);
    const pending = this.pendingConnect;
    this.pendingConnect = undefined;
    pending?.reject(error);
    this.setState("closed");
  }

  private async open(): Promise<void> {
    this.setState(this.current === "reconnecting" ? "reconnecting" : "connecting");
    let token: string | undefined;
    try {
      token =
        typeof this.options.token === "function" ? await this.options.token() : this.options.token;
    } catch (error) {
      if (this.closedForGood) return;
      this.hooks.failed(error);
      this.scheduleReconnect(undefined);
      return;
    }
    if (this.closedForGood || this.socket !== undefined) return;
    this.lastRetryAfterMs = undefined;
    // Anonymous: the server names the session from the URL and greets it at once; the
    // mailbox position then travels as `?since=`.
    let socket: SocketLike;
    try {
      let url = this.options.url;
      if (token === undefined) {
        const { since } = this.hooks.resume();
        if (since !== undefined) url = withSince(url, since);
      }
      socket = new this.factory(url, [PROTOCOL_VERSION]);
    } catch (error) {
      this.hooks.failed(error);
      this.scheduleReconnect(undefined);
      return;
    }
    this.socket = socket;
    this.expectsAuthWelcome = token !== undefined;
    // Every handler checks that its socket is still the client's: a late frame or close of an
    // older socket is ignored.
    socket.onopen = () => {
      if (token === undefined || this.socket !== socket) return;
      const resume = this.hooks.resume();
      socket.send(JSON.stringify({ type: "auth", id: "auth", data: { token, ...resume } }));
    };
    socket.onmessage = (event) => {
      if (this.socket === socket) this.hooks.received(socket, String(event.data));
    };
    socket.onerror = () => undefined; // the close event follows and decides what to do
    socket.onclose = (event) => this.closed(socket, event.code, event.reason);
  }

  private closed(socket: SocketLike, code: number, reason: string): void {
    if (this.socket !== socket) return;
    this.socket = undefined;
    clearTimeout(this.stableTimer);
    this.hooks.dropped(code);
    if (this.closedForGood) return;
    const fatal =
      TERMINAL.has(code) ||
      (code === CLOSE_CODES.unauthorized && typeof this.options.token === "string");
    if (fatal) {
      const error = new PostofficeError(
        "closed",
        `The server refused this client (${code} ${reason}).`,
        { reason: reason || "refused" },
      );
      this.hooks.refused(error);
      if (!this.closedForGood) this.terminate(error);
      return;
    }
    if (code === CLOSE_CODES.flooding) {
      // Sent too fast: wait at least what the server asked before trying again.
      this.scheduleReconnect(undefined, Math.max(FLOODING_FLOOR_MS, this.lastRetryAfterMs ?? 0));
      return;
    }
    this.scheduleReconnect(code === CLOSE_CODES.goingAway ? drainWindow(reason) : undefined);
  }

  private scheduleReconnect(window: number | undefined, floorMs = 0): void {
    const { initialDelayMs = 250, maxDelayMs = 30_000 } = this.options.reconnect ?? {};
    const delay =
      window !== undefined
        ? Math.floor(Math.random() * window)
        : floorMs + backoffDelay(this.attempt, initialDelayMs, maxDelayMs);
    this.attempt += 1;
    this.setState("reconnecting");
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.open();
    }, delay);
  }

  private setState(state: ConnectionState): void {
    if (this.current === state) return;
    this.current = state;
    this.hooks.stateChanged(state);
  }
}

/** Takes the client's handlers off a socket it no longer uses. */
function detach(socket: SocketLike): void {
  socket.onopen = null;
  socket.onmessage = null;
  socket.onclose = null;
  // Kept as a function: `ws` throws an `error` event that has no listener.
  socket.onerror = () => undefined;
}

function withSince(url: string, since: number): string {
  const parsed = new URL(url);
  parsed.searchParams.set("since", String(since));
  return parsed.toString();
}
