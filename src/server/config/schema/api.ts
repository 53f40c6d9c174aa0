import { Type } from "typebox";
import { entry, oneOf, section } from "./nodes.js";
import { serviceName } from "./patterns.js";

/** What an API key may do; `admin` also grants the other two. */
export const apiScopes = ["publish", "read", "admin"] as const;

const apiKey = entry("A key a backend presents, and the service it stands for.", {
  key: Type.String({
    minLength: 16,
    secret: true,
    description:
      "The secret, sent as `Authorization: Bearer <key>` or `X-API-Key: <key>`. Make it long and random (`openssl rand -base64 32`).",
  }),
  name: Type.String({
    pattern: serviceName.pattern,
    description:
      "The service's name: the `from` of the mail it publishes, and the sender that `permissions` judge. 1–64 letters, digits or `. _ : @ -`.",
  }),
  scopes: Type.Array(oneOf(apiScopes, {}), {
    uniqueItems: true,
    description:
      "`publish` (publish, batch), `read` (presence, sessions, history, mailbox), `admin` (disconnect; also grants the other two).",
  }),
  roles: Type.Array(Type.String({ minLength: 1 }), {
    default: [],
    description:
      "Roles the service publishes with, as a user's token grants them: `permissions.direct`, `permissions.rooms[].send` and `permissions.broadcast` decide with them.",
  }),
});

/** `api`: the server HTTP API for backends (docs/api.md). */
export const api = section(
  "The server HTTP API under `/api/v1/` for backends (see docs/api.md). Off (404) unless a key is configured.",
  {
    keys: Type.Array(apiKey, {
      default: [],
      env: ["POSTOFFICE_API_KEYS"],
      description:
        'API keys; none turns the API off (and, off loopback, the dashboard\'s data). In the variable, as JSON: `[{"key":"…","name":"billing","scopes":["publish"]}]`.',
    }),
    rate: section("Token bucket per API key: each publish (each item of a batch) takes a token.", {
      perSecond: Type.Integer({
        minimum: 0,
        default: 1000,
        description:
          "Publishes (and other requests) per second one key may make, on average. `0` turns this limit off.",
      }),
      burst: Type.Integer({
        minimum: 1,
        default: 2000,
        description: "Requests one key may make at once before the rate applies.",
      }),
    }),
    maxBodyBytes: Type.Integer({
      minimum: 1024,
      maximum: 67108864,
      default: 1048576,
      description:
        "Largest request body; a larger one is refused with 413 before it is read. Each mail's `data` is also held to `limits.maxFrameBytes`, `limits.maxNestingDepth` and `limits.maxStringLength`, as a client's.",
    }),
    maxBatchItems: Type.Integer({
      minimum: 1,
      maximum: 10000,
      default: 100,
      description: "Most publishes in one `POST /api/v1/batch`.",
    }),
  },
);
