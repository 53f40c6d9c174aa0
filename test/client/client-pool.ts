import WebSocket from "ws";
import {
  PostofficeClient,
  type PostofficeError,
  type SocketFactory,
} from "../../src/client/index.js";
import type { Mail } from "../../src/protocol/index.js";
import { signToken } from "../support/test-client.js";

type Options = Partial<ConstructorParameters<typeof PostofficeClient>[0]>;

/**
 * The clients of one test file, against the server at `url()`: `client(user)` makes one (its
 * `delay.ms` holds back each token fetch, to keep it offline a while), `closeAll()` closes
 * every one made so far (after each test). `defaults` (e.g. slower `reconnect` delays) apply
 * to every client, under each one's own `extra`.
 */
export function clientPool(
  url: () => string,
  defaults: Options = {},
): {
  client: (
    user: string,
    extra?: Options,
    roles?: string[],
  ) => PostofficeClient & { delay: { ms: number } };
  closeAll: () => void;
} {
  const clients: PostofficeClient[] = [];
  const client = (user: string, extra: Options = {}, roles: string[] = []) => {
    const delay = { ms: 0 };
    const c = new PostofficeClient({
      url: url(),
      token: async () => {
        if (delay.ms > 0) await sleep(delay.ms);
        return signToken({ sub: user, roles });
      },
      WebSocket: WebSocket as unknown as SocketFactory,
      reconnect: { initialDelayMs: 20, maxDelayMs: 100 },
      ...defaults,
      ...extra,
    });
    clients.push(c);
    return Object.assign(c, { delay });
  };
  const closeAll = () => {
    for (const c of clients.splice(0)) c.close();
  };
  return { client, closeAll };
}

export function collect(c: PostofficeClient): Mail[] {
  const got: Mail[] = [];
  c.on("mail", (mail) => {
    got.push(mail);
  });
  return got;
}

/** What `promise` came to within `ms`: its value, its error, or "pending". */
export function outcome<T>(
  promise: Promise<T>,
  ms = 3000,
): Promise<T | PostofficeError | "pending"> {
  return Promise.race([
    promise.catch((error: unknown) => error as PostofficeError),
    sleep(ms).then(() => "pending" as const),
  ]);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(10);
  }
}
