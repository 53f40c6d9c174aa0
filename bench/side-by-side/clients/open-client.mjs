// Opens one client connection of a load generator to any of the servers, behind the same
// LoadClient interface, so that the generator does the same work for each. `url` is
// Postoffice's WebSocket URL (default `ws://HOST/ws`).
//
// A refused connection rejects with what the server said: `HTTP 503 too_many_connections`
// (an upgrade refused in HTTP, with the code of its JSON body) or `close 4401 …` (closed
// before `welcome`).
/** @import { ParseMode } from "./frame-reading.mjs" */
/** @import { ClientKind, LoadClient } from "./load-client.mjs" */
import { signToken } from "../../lib.mjs";
import { FrameClient } from "./frame-client.mjs";
import { SocketIoOfficialClient } from "./socket-io-official-client.mjs";
import { SocketIoWireClient } from "./socket-io-wire-client.mjs";

const OPEN_TIMEOUT_MS = 20_000;

/** @type {Promise<typeof import("socket.io-client")> | undefined} imported on first use */
let socketIoClient;

/**
 * @typedef {object} ClientOptions
 * @property {string} host HOST:PORT
 * @property {string} [url] Postoffice's WebSocket URL
 * @property {string} user
 * @property {string} [localAddress]
 * @property {string} [secret] to sign the user's JWT (kind "postoffice")
 * @property {ParseMode} [parse] "light" unless said
 */

/**
 * @param {ClientKind} kind
 * @param {ClientOptions} options
 * @returns {Promise<LoadClient>}
 */
async function create(kind, { host, url, user, localAddress, secret, parse = "light" }) {
  const postoffice = url ?? `ws://${host}/ws`;
  switch (kind) {
    case "postoffice":
      return new FrameClient(
        postoffice,
        ["postoffice.v1", `bearer.${signToken(secret ?? "", user)}`],
        localAddress,
        parse,
      );
    case "postoffice-anonymous": {
      const anonymous = new URL(postoffice);
      anonymous.searchParams.set("client_id", user);
      return new FrameClient(anonymous.toString(), ["postoffice.v1"], localAddress, parse, true);
    }
    case "ws":
      return new FrameClient(
        `ws://${host}/ws?user=${encodeURIComponent(user)}`,
        undefined,
        localAddress,
        parse,
      );
    case "socketio":
      return new SocketIoWireClient(host, user, localAddress, parse);
    case "socketio-official":
      socketIoClient ??= import("socket.io-client");
      return new SocketIoOfficialClient(
        (await socketIoClient).io,
        host,
        user,
        localAddress,
        OPEN_TIMEOUT_MS,
      );
    default:
      throw new Error(`unknown client kind ${/** @type {string} */ (kind)}`);
  }
}

/**
 * Opens one connection and resolves once the server has welcomed it (authenticated).
 * @param {ClientKind} kind
 * @param {ClientOptions} options
 */
export async function openClient(kind, options) {
  const client = await create(kind, options);
  /** @type {NodeJS.Timeout | undefined} */
  let timer;
  try {
    await Promise.race([
      client.welcome,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error("no welcome in time")), OPEN_TIMEOUT_MS);
      }),
    ]);
  } catch (error) {
    client.close();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return client;
}
