import type { AuthFrame } from "../../protocol/index.js";
import { toAuthError } from "../auth/authenticator.js";
import type { Identity } from "../auth/identity.js";
import type { Session } from "../session/session.js";
import type { HandlerContext } from "./handler-context.js";

/**
 * `auth`: the first-frame way to authenticate [AUTH-3]. An anonymous (development) session
 * may become a real identity; an authenticated one may refresh its credentials for the same
 * user (a new token before the old one expires) but never change user.
 */
export async function handleAuth(
  session: Session,
  frame: AuthFrame,
  ctx: HandlerContext,
): Promise<void> {
  const ref = frame.id;
  const credentials = session.credentials(frame.data.token);
  let identity: Identity;
  try {
    // Without a promise when the authenticator can tell at once (static tokens, a JWT whose
    // key is in memory); the authenticator logs its own failures, throttled.
    identity =
      session.authenticator.authenticateSync?.(credentials) ??
      (await session.authenticator.authenticate(credentials));
  } catch (error) {
    ctx.lifecycle.refusedInBand(session, toAuthError(error), ref);
    return;
  }
  if (!session.isOpen) return;
  const current = session.identity;
  if (current && !current.anonymous) {
    if (current.userId !== identity.userId) {
      session.inOrder(() =>
        session.sendError(
          "already_authenticated",
          `This session is authenticated as ${current.userId}.`,
          { ref },
        ),
      );
      return;
    }
    ctx.lifecycle.refreshed(session, identity, ref);
    return;
  }
  try {
    await ctx.lifecycle.authenticated(session, identity, { ref, since: frame.data.since });
  } catch (error) {
    ctx.lifecycle.failedToStart(session, error);
  }
}
