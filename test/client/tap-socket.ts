import WebSocket from "ws";
import type { SocketFactory } from "../../src/client/index.js";

export interface TapHooks {
  /**
   * Called for each frame the server sends, before the client sees it; false hides it, a
   * string is seen instead of it.
   */
  filterIn?: (socket: TappedSocket, text: string) => boolean | string | undefined;
  /**
   * Called for each frame the client writes, before it goes out; false holds it back (the
   * test may write it later with `sendLater`).
   */
  filterOut?: (socket: TappedSocket, text: string) => boolean | undefined;
}

export interface TappedSocket extends WebSocket {
  /** Every text frame the client wrote on this socket. */
  readonly sent: string[];
  /** Writes a frame that `filterOut` held back. */
  sendLater(text: string): void;
}

/**
 * A `ws` socket factory that records the sockets the client opens and the frames it writes,
 * and lets a test see (or hide) each frame before the client does.
 */
export function tapSocket(hooks: TapHooks = {}): {
  Factory: SocketFactory;
  sockets: TappedSocket[];
  /** The parsed frames the client wrote on socket `index` (default: the last). */
  sentOn(index?: number): Array<{ type: string; id?: string; data?: Record<string, unknown> }>;
} {
  const sockets: TappedSocket[] = [];
  class Tapped extends WebSocket {
    readonly sent: string[] = [];
    sendLater: (text: string) => void;
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols);
      sockets.push(this as unknown as TappedSocket);
      const send = this.send.bind(this);
      this.sendLater = (text: string) => send(text);
      this.send = ((data: string) => {
        this.sent.push(String(data));
        if (hooks.filterOut?.(this as unknown as TappedSocket, String(data)) === false) return;
        send(data);
      }) as WebSocket["send"];
      let listener: ((event: { data: unknown }) => void) | null = null;
      Object.defineProperty(this, "onmessage", {
        get: () => listener,
        set: (value: ((event: { data: unknown }) => void) | null) => {
          listener = value;
        },
      });
      this.addEventListener("message", (event) => {
        const text = String(event.data);
        const seen = hooks.filterIn?.(this as unknown as TappedSocket, text);
        if (seen === false) return;
        listener?.({ data: typeof seen === "string" ? seen : text });
      });
    }
  }
  return {
    Factory: Tapped as unknown as SocketFactory,
    sockets,
    sentOn: (index = sockets.length - 1) =>
      (sockets[index]?.sent ?? []).map(
        (text) => JSON.parse(text) as { type: string; id?: string; data?: Record<string, unknown> },
      ),
  };
}
