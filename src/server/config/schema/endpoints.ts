import { Type } from "typebox";
import { jwt, staticTokens, webhook } from "./auth.js";
import { dialectNames } from "./dialect-names.js";
import { entry, oneOf, optionalSection, withoutEnv } from "./nodes.js";
import { endpointPath } from "./patterns.js";

const endpoint = entry("A WebSocket endpoint besides `server.path`.", {
  path: Type.String({
    pattern: endpointPath.pattern,
    description:
      "URL path of its upgrades; `*`: any path that no other endpoint and no HTTP route has (GO-POSTOFFICE's clients connect on any path). Not `server.path`, and each path once.",
  }),
  dialect: oneOf(dialectNames, {
    description: "How its clients talk, as `server.dialect`.",
  }),
  auth: optionalSection(
    "Its own authenticators, instead of those of `auth` (the other `auth` keys apply to every endpoint).",
    {
      tokens: withoutEnv(staticTokens(undefined)),
      jwt: withoutEnv(jwt),
      webhook: withoutEnv(webhook),
    },
  ),
});

/** `endpoints`: more WebSocket endpoints, each with its path, dialect and authenticators. */
export const endpoints = Type.Array(endpoint, {
  default: [],
  description:
    "More WebSocket endpoints, each a path and a dialect, served with `server.path` by the same node: one post office, several kinds of clients.",
});
