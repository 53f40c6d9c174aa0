import { Type } from "typebox";
import { section } from "./nodes.js";
import { rate } from "./rate.js";

/** `limits`: what one connection may send and hold, and how many connections there may be. */
export const limits = section(
  "What one connection may send and hold, and how many connections there may be.",
  {
    maxFrameBytes: Type.Integer({
      minimum: 256,
      maximum: 16777216,
      default: 65536,
      env: ["POSTOFFICE_MAX_FRAME_BYTES"],
      description: "Largest frame a client may send; a larger one closes the connection with 1009.",
    }),
    maxFragments: Type.Integer({
      minimum: 1,
      maximum: 16384,
      default: 64,
      description:
        "Most frames (fragments) one message may come in; past it the connection is closed with 1008. Browsers send a message in one frame.",
    }),
    maxNestingDepth: Type.Integer({
      minimum: 2,
      maximum: 256,
      default: 32,
      description:
        "Deepest nesting of objects and arrays in a frame; a deeper frame is refused with `nesting_too_deep`.",
    }),
    maxStringLength: Type.Integer({
      minimum: 1,
      default: 32768,
      description:
        "Longest string (in UTF-16 code units) anywhere in a frame; a longer one is refused with `string_too_long`.",
    }),
    binaryFrames: Type.Boolean({
      default: false,
      description:
        "Read binary frames as UTF-8 JSON like text frames. Off: a binary frame is refused with `binary_not_supported`.",
    }),
    outboundBufferBytes: Type.Integer({
      minimum: 65536,
      default: 4194304,
      env: ["POSTOFFICE_OUTBOUND_BUFFER_BYTES"],
      description:
        "Bytes the server may hold for a client that reads slowly; past it the connection is closed with 1013 and its mail waits in the mailbox. Must be at least 4 × `limits.maxFrameBytes`.",
    }),
    handshakeTimeoutMs: Type.Integer({
      minimum: 100,
      default: 10000,
      description:
        "A client must send its whole HTTP request (the WebSocket handshake) within this time, or the socket is cut (slowloris).",
    }),
    maxConnections: Type.Integer({
      minimum: 0,
      default: 10000,
      env: ["POSTOFFICE_MAX_CONNECTIONS"],
      description:
        "Open WebSocket connections this node accepts; past it upgrades get HTTP 503. `0` = no limit.",
    }),
    maxConnectionsPerIp: Type.Integer({
      minimum: 0,
      default: 0,
      description:
        "Open connections from one client address; past it upgrades get HTTP 429. `0` = no limit (the default, because behind a proxy every client has the proxy's address).",
    }),
    maxSessionsPerUser: Type.Integer({
      minimum: 0,
      default: 32,
      description:
        "Authenticated connections of one user on this node; one more is closed with 4409. `0` = no limit.",
    }),
    unauthenticated: section(
      "Connections that have not authenticated yet (in-band `auth` to come, or a refused handshake token being told why): their own caps and a small budget, so that clients without credentials cannot take what users need.",
      {
        maxConnections: Type.Integer({
          minimum: 0,
          default: 1000,
          description:
            "Unauthenticated connections this node holds; past it their upgrades get HTTP 503. Keep it well below `limits.maxConnections`. `0` = no limit.",
        }),
        maxConnectionsPerIp: Type.Integer({
          minimum: 0,
          default: 20,
          description:
            "Unauthenticated connections from one client address; past it their upgrades get HTTP 429. Behind a reverse proxy every client has the proxy's address: raise it, or set `0` (no limit).",
        }),
        maxBytes: Type.Integer({
          minimum: 1024,
          default: 16384,
          description:
            "Bytes a connection may send (WebSocket frame headers included) before it authenticates; past it the connection is closed with 1008.",
        }),
        maxFrames: Type.Integer({
          minimum: 1,
          default: 10,
          description:
            "Frames a connection may send (its `auth` frame included) before it authenticates; past it the connection is closed with 1008.",
        }),
      },
    ),
    sender: section(
      "What one sender may put in other users' mailboxes, counted on each node over a window that starts with the sender's first mail (mail to oneself is not counted): so that one user cannot fill the disk.",
      {
        windowMs: Type.Integer({
          minimum: 1000,
          default: 3600000,
          env: ["POSTOFFICE_SENDER_WINDOW_MS"],
          description:
            "The window (1 hour) over which `maxBytes` and `maxNewMailboxes` count; each sender's starts with its first mail and ends this long after.",
        }),
        maxBytes: Type.Integer({
          minimum: 0,
          default: 16777216,
          env: ["POSTOFFICE_SENDER_MAX_BYTES"],
          description:
            "Bytes of mail bodies (their JSON) a sender may put in other users' mailboxes per window (16 MiB); past it a send is refused with `quota_exceeded` and `retryAfterMs`. `0` = no limit.",
        }),
        maxNewMailboxes: Type.Integer({
          minimum: 0,
          default: 100,
          env: ["POSTOFFICE_SENDER_MAX_NEW_MAILBOXES"],
          description:
            "Mailboxes a sender may start per window by mailing users whose mailbox has never held anything; past it such a send is refused with `too_many_new_mailboxes` and `retryAfterMs`. `0` = no limit.",
        }),
      },
    ),
    rate,
  },
);
