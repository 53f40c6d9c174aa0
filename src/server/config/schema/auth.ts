import { httpUrl } from "./patterns.js";
import type { SchemaNode } from "./schema-node.js";

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
];

const staticToken: SchemaNode = {
  type: "object",
  description: "A fixed token and the identity it grants.",
  additionalProperties: false,
  required: ["token", "user"],
  properties: {
    token: {
      type: "string",
      minLength: 8,
      description: "The secret a client presents.",
    },
    user: { type: "string", minLength: 1, description: "User id the token authenticates as." },
    roles: {
      type: "array",
      items: { type: "string", minLength: 1 },
      default: [],
      description: "Roles granted to the user.",
    },
  },
};

const jwt: SchemaNode = {
  type: "object",
  description: "Accept JSON Web Tokens. Exactly one of secret, publicKey, publicKeyFile, jwksUrl.",
  additionalProperties: false,
  properties: {
    secret: { type: "string", minLength: 1, description: "Shared secret for HS256/384/512." },
    publicKey: {
      type: "string",
      minLength: 1,
      description: "PEM-encoded SPKI public key for the RS, PS and ES algorithms.",
    },
    publicKeyFile: {
      type: "string",
      minLength: 1,
      description:
        "Path to a PEM public key file, read at start; relative to the base file's directory.",
    },
    jwksUrl: { type: "string", pattern: httpUrl, description: "URL of a JSON Web Key Set." },
    algorithms: {
      type: "array",
      items: { type: "string", enum: jwtAlgorithms },
      uniqueItems: true,
      description:
        "Algorithms accepted; when absent, those the configured key allows. `none` is never accepted.",
    },
    issuer: { type: "string", minLength: 1, description: "Required `iss` claim, if set." },
    audience: { type: "string", minLength: 1, description: "Required `aud` claim, if set." },
    userClaim: {
      type: "string",
      minLength: 1,
      default: "sub",
      description: "Claim holding the user id.",
    },
    rolesClaim: {
      type: "string",
      minLength: 1,
      default: "roles",
      description: "Claim holding the roles: an array of strings or one space-separated string.",
    },
    clockToleranceSec: {
      type: "integer",
      minimum: 0,
      default: 5,
      description: "Leeway for `exp` and `nbf` between clocks.",
    },
  },
};

const webhook: SchemaNode = {
  type: "object",
  description: "Ask an HTTP endpoint who a token belongs to.",
  additionalProperties: false,
  required: ["url"],
  properties: {
    url: { type: "string", pattern: httpUrl, description: "Endpoint that receives the token." },
    timeoutMs: {
      type: "integer",
      minimum: 1,
      default: 3000,
      description: "A call slower than this fails as `auth_unavailable`.",
    },
    cacheTtlMs: {
      type: "integer",
      minimum: 0,
      default: 0,
      description: "How long a successful answer is reused for the same token. 0 = never.",
    },
  },
};

/** `auth`: how sessions prove who they are. */
export const auth: SchemaNode = {
  type: "object",
  description: "How sessions prove who they are.",
  additionalProperties: false,
  default: {},
  properties: {
    timeoutMs: {
      type: "integer",
      minimum: 100,
      default: 10000,
      description: "A session must authenticate within this time or is closed with 4408.",
    },
    queryParam: {
      type: "string",
      minLength: 1,
      default: "token",
      description: "Query parameter that may carry the token.",
    },
    cookieName: {
      type: "string",
      minLength: 1,
      default: "session-token",
      description: "Cookie that may carry the token.",
    },
    tokens: {
      type: "array",
      items: staticToken,
      default: [],
      description: "Static tokens, for services and development.",
    },
    jwt,
    webhook,
    anonymous: {
      type: "object",
      description: "Development mode without credentials.",
      additionalProperties: false,
      default: {},
      properties: {
        enabled: {
          type: "boolean",
          default: false,
          description:
            "Anyone may connect, named by `?client_id=`, `?id=` or `?username=`. Development only.",
        },
        allowNonLoopback: {
          type: "boolean",
          default: false,
          description: "Let anonymous mode bind a host other than loopback.",
        },
      },
    },
  },
};
