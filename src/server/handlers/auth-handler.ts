import type { AuthFrame } from "../../protocol/index.js";
import { AuthError } from "../auth/authenticator.js";
import type { Session } from "../session/session.js";
import type { HandlerContext } from "./handler-context.js";

/**
 * `auth`: the first-frame way to authenticate. An anonymous (development) session may
 * upgrade to a real identity; an authenticated one may not change user [AUTH-3].
 */
export async function handleAuth(
  session: Session,
  frame: AuthFrame,
  ctx: HandlerContext,
): Promise<void> {
  const ref = frame.id;
  if (session.identity && !session.identity.anonymous) {
    session.sendError(
      "already_authenticated",
      `This session is authenticated as ${session.identity.userId}.`,
      ref === undefined ? undefined : { ref },
    );
    return;
  }
  let identity: Awaited<ReturnType<typeof ctx.authenticator.authenticate>>;
  try {
    identity = await ctx.authenticator.authenticate({ token: frame.data.token });
  } catch (error) {
    const refusal =
      error instanceof AuthError
        ? error
        : new AuthError("auth_unavailable", "Authentication failed unexpectedly.", {
            cause: error,
          });
    if (!(error instanceof AuthError)) ctx.log.error({ err: error }, "authenticator failed");
    ctx.lifecycle.refused(session, refusal, ref);
    return;
  }
  if (!session.isOpen) return;
  await ctx.lifecycle.authenticated(session, identity, { ref, since: frame.data.since });
}
