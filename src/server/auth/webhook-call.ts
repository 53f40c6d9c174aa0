import { AuthError } from "./authenticator.js";
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
    body = JSON.parse(await boundedText(response, call.maxBodyBytes));
  } catch (cause) {
    if (cause instanceof AuthError) throw cause;
    throw new AuthError("auth_unavailable", `auth webhook failed: ${describe(cause)}`, { cause });
  }
  return identityFrom(body);
}

/**
 * The body as text, read chunk by chunk and given up as soon as it is longer than `max`: an
 * endpoint that answers 300 MB costs `max` bytes, not 300 MB.
 */
async function boundedText(response: Response, max: number): Promise<string> {
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  if (declared > max) {
    await discardBody(response);
    throw tooLong(max);
  }
  const reader = response.body?.getReader();
  if (reader === undefined) return "";
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.byteLength;
    if (length > max) {
      await reader.cancel().catch(() => undefined);
      throw tooLong(max);
    }
    chunks.push(value);
  }
  return new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(chunks));
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

async function discardBody(response: Response): Promise<void> {
  // Frees the connection. The status has already decided the answer, so a body that fails to
  // drain changes nothing for the caller.
  await response.body?.cancel().catch(() => undefined);
}

function describe(cause: unknown): string {
  if (cause instanceof Error && cause.name === "TimeoutError") return "timed out";
  if (!(cause instanceof Error)) return String(cause);
  // undici says only "fetch failed"; the reason (ECONNREFUSED, ...) is one level down.
  return cause.cause instanceof Error ? `${cause.message}: ${cause.cause.message}` : cause.message;
}
