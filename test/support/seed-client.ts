import { type IncomingMessage, request } from "node:http";
import WebSocket, { type ClientOptions } from "ws";

// Taken before any test fakes the timers, so that a wait for a frame stays bounded.
const { setTimeout: realSetTimeout, clearTimeout: realClearTimeout } = globalThis;

/**
 * A seed server's client as it is: a real `ws` client that keeps every frame as the exact text
 * the server wrote, for tests that compare bytes (a dialect's replies), with the headers,
 * cookies and subprotocols the seed's clients send.
 */
export class SeedClient {
  readonly ws: WebSocket;
  readonly texts: string[] = [];
  readonly opened: Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;
  private read = 0;
  private wake: (() => void) | undefined;

  constructor(url: string, options?: ClientOptions & { protocols?: string | string[] }) {
    this.ws = new WebSocket(url, options?.protocols, options);
    this.ws.on("message", (data) => {
      this.texts.push(data.toString());
      this.wake?.();
    });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once("open", () => resolve());
      this.ws.once("error", reject);
    });
    this.closed = new Promise((resolve) => {
      this.ws.once("close", (code, reason) => {
        this.wake?.();
        resolve({ code, reason: reason.toString() });
      });
    });
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /** The next frame's text, in order, after those already read. */
  async next(timeoutMs = 3000): Promise<string> {
    const deadline = performance.now() + timeoutMs;
    while (this.read >= this.texts.length) {
      const left = deadline - performance.now();
      if (left <= 0 || this.ws.readyState === WebSocket.CLOSED) {
        throw new Error(`no frame within ${timeoutMs} ms; got ${JSON.stringify(this.texts)}`);
      }
      await new Promise<void>((resolve) => {
        const timer = realSetTimeout(resolve, left);
        this.wake = () => {
          realClearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
    return this.texts[this.read++] as string;
  }

  /** Frames that arrived and were not read yet. */
  unread(): string[] {
    return this.texts.slice(this.read);
  }

  close(): void {
    this.ws.terminate();
  }
}

/** A WebSocket upgrade the server refuses: its HTTP status, content type and body, as sent. */
export function refusedUpgrade(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; contentType: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once("open", () => {
      ws.terminate();
      reject(new Error(`${url} was upgraded`));
    });
    ws.once("unexpected-response", (_req, res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          contentType: res.headers["content-type"],
          body: Buffer.concat(chunks).toString(),
        }),
      );
    });
    ws.once("error", (error) => reject(error));
  });
}

/** A plain HTTP GET: status and body. */
export function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
      );
    })
      .on("error", reject)
      .end();
  });
}
