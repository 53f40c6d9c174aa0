import WebSocket from "ws";

/** A server frame as the harness reads it (docs/protocol.md, "Server frames"). */
export interface WireFrame {
  type: string;
  ref?: string;
  data?: Record<string, unknown>;
}

export interface WireClose {
  code: number;
  reason: string;
}

export interface OpenOptions {
  url: string;
  token: string;
  /** `auth.data.since` [DELIVERY-3]; left out when undefined. */
  since?: number | undefined;
  /** Every frame, the `welcome` included, in arrival order. */
  onFrame: (frame: WireFrame) => void;
  timeoutMs?: number;
}

/**
 * One native-protocol connection: opened with an `auth` frame, resolved on `welcome`. The
 * harness sees frames and the close code, nothing else of the server.
 */
export class WireSession {
  readonly closed: Promise<WireClose>;
  private closeInfo: WireClose | undefined;

  private constructor(private readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => {
      ws.once("close", (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        resolve(this.closeInfo);
      });
    });
  }

  /** Connects and authenticates; rejects if the server refuses, closes or does not answer. */
  static open(options: OpenOptions): Promise<WireSession> {
    const timeoutMs = options.timeoutMs ?? 5000;
    const ws = new WebSocket(options.url, { handshakeTimeout: timeoutMs });
    const session = new WireSession(ws);
    return new Promise((resolve, reject) => {
      let welcomed = false;
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error("no welcome in time"));
      }, timeoutMs);
      // Refused upgrades (503 while draining or without Redis) and refused connections.
      ws.on("error", (error) => {
        clearTimeout(timer);
        if (!welcomed) reject(error);
      });
      ws.once("open", () => {
        const data: Record<string, unknown> = { token: options.token };
        if (options.since !== undefined) data.since = options.since;
        ws.send(JSON.stringify({ type: "auth", id: "auth", data }));
      });
      ws.on("message", (raw) => {
        const frame = JSON.parse(raw.toString()) as WireFrame;
        if (frame.type === "welcome" && !welcomed) {
          welcomed = true;
          clearTimeout(timer);
          resolve(session);
        }
        options.onFrame(frame);
      });
      void session.closed.then((close) => {
        clearTimeout(timer);
        if (!welcomed) reject(new Error(`closed before welcome: ${close.code} ${close.reason}`));
      });
    });
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  get closeCode(): number | undefined {
    return this.closeInfo?.code;
  }

  send(frame: unknown): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /** Stops reading: what the server sends piles up (a slow reader). */
  pause(): void {
    this.ws.pause();
  }

  resume(): void {
    this.ws.resume();
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(1000, "bye");
  }

  terminate(): void {
    this.ws.terminate();
  }
}
