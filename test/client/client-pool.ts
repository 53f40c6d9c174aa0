import WebSocket from "ws";
import { PostofficeClient, type PostofficeError } from "../../src/client/index.js";
import type { Mail } from "../../src/protocol/index.js";
import { signToken } from "../support/test-client.js";

type Options = Partial<ConstructorParameters<typeof PostofficeClient>[0]>;

/**
 * A client of the pool; `holdTokens()` keeps it offline until the returned release is called;
 * `tokenFetches()` counts its connection attempts (each starts with a token fetch).
 */
export type PooledClient = PostofficeClient & {
  holdTokens: () => () => void;
  tokenFetches: () => number;
};

/**
 * The clients of one test file, against the server at `url()`: `client(user)` makes one (its
 * `holdTokens()` holds back its token fetches, so that it stays offline until released),
 * `closeAll()` closes every one made so far (after each test). `defaults` (e.g. slower
 * `reconnect` delays) apply to every client, under each one's own `extra`.
 */
export function clientPool(
  url: () => string,
  defaults: Options = {},
): {
  client: (user: string, extra?: Options, roles?: string[]) => PooledClient;
  closeAll: () => void;
} {
  const clients: PostofficeClient[] = [];
  const client = (user: string, extra: Options = {}, roles: string[] = []): PooledClient => {
    let held: Promise<void> | undefined;
    let fetches = 0;
    const holdTokens = (): (() => void) => {
      let release: () => void = () => undefined;
      held = new Promise((resolve) => {
        release = resolve;
      });
      return () => {
        held = undefined;
        release();
      };
    };
    const c = new PostofficeClient({
      url: url(),
      token: async () => {
        fetches += 1;
        await held;
        return signToken({ sub: user, roles });
      },
      WebSocket,
      reconnect: { initialDelayMs: 20, maxDelayMs: 100 },
      ...defaults,
      ...extra,
    });
    clients.push(c);
    return Object.assign(c, { holdTokens, tokenFetches: () => fetches });
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

/** What `promise` came to within `ms` (a bound, not a pause): its value, its error, or "pending". */
export function outcome<T>(
  promise: Promise<T>,
  ms = 3000,
): Promise<T | PostofficeError | "pending"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const pending = new Promise<"pending">((resolve) => {
    timer = setTimeout(() => resolve("pending"), ms);
  });
  return Promise.race([
    promise.catch((error: unknown) => error as PostofficeError),
    pending,
  ]).finally(() => clearTimeout(timer));
}
