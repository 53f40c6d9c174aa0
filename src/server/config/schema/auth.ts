import { Type } from "typebox";
import { entry, oneOf, optionalSection, section } from "./nodes.js";
import { httpUrl } from "./patterns.js";

/** The JWT algorithms `auth.jwt.algorithms` may name; `none` is not one of them. */
export const jwtAlgorithms = [
  "HS256",
  "HS384",
  "HS512",
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
] as const;

const nonEmpty = (description: string, env?: string) =>
  Type.String({ minLength: 1, description, ...(env === undefined ? {} : { env: [env] }) });

/** Static tokens: the same list in `auth` and in an endpoint's own `auth`. */
export const staticTokens = (env: readonly string[] | undefined) =>
  Type.Array(staticToken, {
    default: [],
    ...(env === undefined ? {} : { env: [...env] }),
    description:
      'Static tokens, for services and development. In the variable, as JSON: `[{"token":"…","user":"billing"}]`.',
  });

const staticToken = entry("A fixed token and the identity it grants.", {
  token: Type.String({ minLength: 8, secret: true, description: "The secret a client presents." }),
  user: nonEmpty(
    "User id the token authenticates as. `*`: the id the client claims when it connects (MessageTransfer's `?client_id=`), for endpoints whose dialect claims ids; refused elsewhere.",
  ),
  roles: Type.Array(Type.String({ minLength: 1 }), {
    default: [],
    description: "Roles granted to the user.",
  }),
});

export const jwt = optionalSection(
  "Accept JSON Web Tokens. Exactly one of secret, publicKey, publicKeyFile, jwksUrl.",
  {
    secret: Type.Optional(
      Type.String({
        minLength: 1,
        secret: true,
        env: ["POSTOFFICE_JWT_SECRET"],
        description: "Shared secret for HS256/384/512.",
      }),
    ),
    publicKey: Type.Optional(
      nonEmpty(
        "PEM-encoded SPKI public key for the RS, PS and ES algorithms.",
        "POSTOFFICE_JWT_PUBLIC_KEY",
      ),
    ),
    publicKeyFile: Type.Optional(
      nonEmpty(
        "Path to a PEM public key file, read at start. A relative path is resolved by who set it, as described above.",
        "POSTOFFICE_JWT_PUBLIC_KEY_FILE",
      ),
    ),
    jwksUrl: Type.Optional(
      Type.String({
        pattern: httpUrl.pattern,
        env: ["POSTOFFICE_JWKS_URL"],
        description: "URL of a JSON Web Key Set.",
      }),
    ),
    algorithms: Type.Optional(
      Type.Array(oneOf(jwtAlgorithms, {}), {
        uniqueItems: true,
        env: ["POSTOFFICE_JWT_ALGORITHMS"],
        description:
          "Algorithms accepted. If unset, the server accepts the algorithms the configured key allows. `none` is never accepted.",
      }),
    ),
    issuer: Type.Optional(nonEmpty("Required `iss` claim, if set.", "POSTOFFICE_JWT_ISSUER")),
    audience: Type.Optional(nonEmpty("Required `aud` claim, if set.", "POSTOFFICE_JWT_AUDIENCE")),
    userClaim: Type.String({
      minLength: 1,
      default: "sub",
      description: "Claim holding the user id.",
    }),
    rolesClaim: Type.String({
      minLength: 1,
      default: "roles",
      description: "Claim holding the roles: an array of strings or one space-separated string.",
    }),
    clockToleranceSec: Type.Integer({
      minimum: 0,
      default: 5,
      description: "Leeway for `exp` and `nbf` between clocks.",
    }),
  },
);

export const webhook = optionalSection("Ask an HTTP endpoint who a token belongs to.", {
  url: Type.String({
    pattern: httpUrl.pattern,
    env: ["POSTOFFICE_AUTH_WEBHOOK_URL"],
    description: "Endpoint that receives the token.",
  }),
  timeoutMs: Type.Integer({
    minimum: 1,
    default: 3000,
    description:
      "One deadline for the whole call (waiting for a free slot, connecting, the headers and the body); past it the token gets `auth_unavailable`.",
  }),
  cacheTtlMs: Type.Integer({
    minimum: 0,
    default: 0,
    description: "How long a successful answer is reused for the same token. `0` = never.",
  }),
  refusalCacheTtlMs: Type.Integer({
    minimum: 0,
    default: 5000,
    description:
      "How long a refusal (401, 403) is reused for the same token, so that a client repeating a bad token does not reach the webhook. `0` = never.",
  }),
  maxBodyBytes: Type.Integer({
    minimum: 256,
    default: 65536,
    description:
      "Longest answer read (after decompression); a longer one is cut off and the token gets `auth_unavailable`.",
  }),
  maxConcurrent: Type.Integer({
    minimum: 1,
    default: 32,
    description: "Calls to the webhook in flight at once; more wait in a queue.",
  }),
  maxQueued: Type.Integer({
    minimum: 0,
    default: 256,
    description:
      "Calls waiting for a free slot (within `timeoutMs`); past it a token gets `auth_unavailable` at once.",
  }),
  circuitFailures: Type.Integer({
    minimum: 1,
    default: 5,
    description:
      "Consecutive failures (errors, timeouts, other statuses, bad answers) that open the circuit: the webhook is then not called, and tokens get `auth_unavailable` at once.",
  }),
  circuitCooldownMs: Type.Integer({
    minimum: 100,
    default: 10000,
    description:
      "How long an open circuit stays open; then one call probes the webhook and closes it again if answered.",
  }),
  addressBudget: Type.Integer({
    minimum: 1,
    default: 5,
    description:
      "While the webhook fails, attempts one client address (an IPv6 /64) may make per `addressWindowMs`; beyond, `auth_unavailable` at once.",
  }),
  addressWindowMs: Type.Integer({
    minimum: 1000,
    default: 60000,
    description: "The time in which a spent `addressBudget` refills.",
  }),
});

/** `auth`: how sessions prove who they are. */
export const auth = section("How sessions prove who they are.", {
  timeoutMs: Type.Integer({
    minimum: 100,
    default: 10000,
    env: ["POSTOFFICE_AUTH_TIMEOUT_MS"],
    description: "A session must authenticate within this time or is closed with 4408.",
  }),
  queryParam: Type.String({
    minLength: 1,
    default: "token",
    description: "Query parameter that may carry the token.",
  }),
  cookieName: Type.String({
    minLength: 1,
    default: "session-token",
    description: "Cookie that may carry the token.",
  }),
  tokens: staticTokens(["POSTOFFICE_AUTH_TOKENS"]),
  jwt,
  webhook,
  anonymous: section("Development mode without credentials.", {
    enabled: Type.Boolean({
      default: false,
      env: ["POSTOFFICE_ANONYMOUS"],
      description:
        "Anyone may connect, as a guest named by `?client_id=`, `?id=` or `?username=`, whose user id is `~name`. Development only.",
    }),
    allowNonLoopback: Type.Boolean({
      default: false,
      env: ["POSTOFFICE_ANONYMOUS_ALLOW_NON_LOOPBACK"],
      description: "Let anonymous mode bind a host other than loopback.",
    }),
  }),
});
