import { Type } from "typebox";
import { section } from "./nodes.js";

/** `godispatch`: the GoDispatch dialect's settings, read where GoDispatch reads them. */
export const godispatch = section("The godispatch dialect (docs/migrating.md#godispatch).", {
  jwtSecret: Type.Optional(
    Type.String({
      minLength: 1,
      secret: true,
      env: ["GODISPATCH_SERVER_AUTH_JWTSECRET"],
      envFile: true,
      description:
        "GoDispatch's `server.auth.jwtSecret`: on a node with a godispatch endpoint, HS256 JWTs signed with it are accepted (their `sub` is the user), as `auth.jwt.secret` would (the endpoint's own `auth` if it has one, else `auth`); refused when that `auth.jwt` has a key of its own.",
    }),
  ),
});
