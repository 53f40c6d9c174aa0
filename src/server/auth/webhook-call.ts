import { AuthError } from "./authenticator.js";
import { boundedText, describeFetchFailure, discardBody } from "./fetch-text.js";
import type { Identity } from "./identity.js";
import { rolesFrom } from "./jwt-authenticator.js";

export interface WebhookCall {
  url: string;
  token: string;
  /** Aborts the whole call: connecting, the headers and the body. */
  signal: AbortSignal;
  /** A body longer than this (after decompression) is refused as soon as it goes past. */
  maxBodyBytes: number;
}

/**
 * One POST of `{"token": ...}` to the webhook. Resolves with the identity of a 200 answer;
 * rejects with `token_rejected` (401, 403), `token_user_missing`, or `auth_unavailable` for
 * anything that is the endpoint's fault: another status, no answer in time, a network error,
 * an answer that is too long or not a JSON object.
 */
export async function callWebhook(call: WebhookCall): Promise<Identity> {
  let body: unknown;
  try {
    const response = await fetch(call.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ token: call.token }),
      // A redirected POST may be replayed as a GET without the token; refuse to guess.
      redirect: "error",
      signal: call.signal,
    });
    if (response.status !== 200) {
      await discardBody(response);
      refusal(response.status);
    }
    body = JSON.parse(
      await boundedText(response, call.maxBodyBytes, () => tooLong(call.maxBodyBytes)),
    );
  } catch (cause) {
    if (cause instanceof AuthError) throw cause;
    throw new AuthError("auth_unavailable", `auth webhook failed: ${describeFetchFailure(cause)}`, {
      cause,
    });
  }
  return identityFrom(body);
}

function tooLong(max: number): AuthError {
  return new AuthError("auth_unavailable", `the auth webhook's answer is longer than ${max} bytes`);
}

function refusal(status: number): never {
  if (status === 401 || status === 403) {
    throw new AuthError("token_rejected", `the auth webhook refused the token (${status})`);
  }
  throw new AuthError("auth_unavailable", `the auth webhook answered ${status}`);
}

function identityFrom(body: unknown): Identity {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new AuthError("auth_unavailable", "the auth webhook answered 200 without a JSON object");
  }
  const answer = body as Record<string, unknown>;
  const userId = [answer.user, answer.userId, answer.sub].find(
    (value): value is string => typeof value === "string" && value !== "",
  );
  if (userId === undefined) {
    throw new AuthError("token_user_missing", "the auth webhook answer has no user, userId or sub");
  }
  const claims = answer.claims;
  return {
    userId,
    roles: rolesFrom(answer.roles),
    claims:
      typeof claims === "object" && claims !== null && !Array.isArray(claims)
        ? { ...(claims as Record<string, unknown>) }
        : {},
    anonymous: false,
  };
}
