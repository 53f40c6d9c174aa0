import { SignJWT } from "jose";
import WebSocket, { type ClientOptions } from "ws";
import { JWT_SECRET } from "./test-server.js";

// Taken before any test fakes the timers, so that a wait for a frame stays bounded.
const { setTimeout: realSetTimeout, clearTimeout: realClearTimeout } = globalThis;

export interface Frame {
  type: string;
  ref?: string;
  data?: Record<string, unknown> & { code?: string; reason?: string };
}

export interface Closed {
  code: number;
  reason: string;
}

/**
 * A real `ws` client that records every frame, so a test can wait for the next frame that
 * matches, and for the close.
 */
export class TestClient {
  readonly frames: Frame[] = [];
  private readonly waiters: Array<{ match: (f: Frame) => boolean; resolve: (f: Frame) => void }> =
    [];
  private seen = 0;
  readonly closed: Promise<Closed>;
  readonly opened: Promise<void>;

  constructor(url: string, protocols?: string | string[], options?: ClientOptions) {
    this.ws = new WebSocket(url, protocols, options);
    this.ws.on("message", (data) => {
      const frame = JSON.parse(data.toString()) as Frame;
      this.frames.push(frame);
      const index = this.waiters.findIndex((w) => w.match(frame));
      if (index >= 0) {
        const [waiter] = this.waiters.splice(index, 1);
        this.seen = this.frames.length;
        waiter?.resolve(frame);
      }
    });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once("open", () => resolve());
      this.ws.once("error", reject);
    });
    this.closed = new Promise((resolve) => {
      this.ws.once("close", (code, reason) => resolve({ code, reason: reason.toString() }));
    });
  }

  readonly ws: WebSocket;

  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /** The next frame (after those already waited for) that matches. */
  next(match: (f: Frame) => boolean = () => true, timeoutMs = 3000): Promise<Frame> {
    const found = this.frames.slice(this.seen).find(match);
    if (found) {
      this.seen = this.frames.indexOf(found, this.seen) + 1;
      return Promise.resolve(found);
    }
    return new Promise((resolve, reject) => {
      const timer = realSetTimeout(() => {
        reject(
          new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames)}`),
        );
      }, timeoutMs);
      this.waiters.push({
        match,
        resolve: (f) => {
          realClearTimeout(timer);
          resolve(f);
        },
      });
    });
  }

  nextOfType(type: string, timeoutMs?: number): Promise<Frame> {
    return this.next((f) => f.type === type, timeoutMs);
  }

  close(): Promise<Closed> {
    this.ws.close();
    return this.closed;
  }
}

export async function signToken(
  claims: Record<string, unknown> & { sub?: string },
  options: { expiresIn?: string | number; secret?: string } = {},
): Promise<string> {
  let jwt = new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).setIssuedAt();
  if (options.expiresIn !== undefined) jwt = jwt.setExpirationTime(options.expiresIn);
  return jwt.sign(new TextEncoder().encode(options.secret ?? JWT_SECRET));
}

/** Connects and authenticates with a first `auth` frame; resolves after `welcome`. */
export async function connectAs(url: string, token: string): Promise<TestClient> {
  const client = new TestClient(url);
  await client.opened;
  client.send({ type: "auth", id: "auth-1", data: { token } });
  await client.nextOfType("welcome");
  return client;
}
