import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SignJWT } from "jose";
import { parse } from "yaml";
import { SeedClient } from "./seed-client.js";

const ROOT = join(import.meta.dirname, "../..");

/** The seed's config.yaml events, as examples/migrate/godispatch/postoffice.yaml holds them. */
export const GODISPATCH_EVENTS = (
  parse(readFileSync(join(ROOT, "examples/migrate/godispatch/postoffice.yaml"), "utf8")) as {
    events: Record<string, unknown>;
  }
).events;

/** What the seed's `_notify_origin` answers its browser chat's `join_room` with. */
export const JOIN_SUCCESS =
  '{"event":"join_success","payload":{"room":"room:global","status":"ok"}}';

/** The token the seed's browser chat makes (examples/chat/app.js): HS256, sub, aud, exp, nbf, jti. */
export async function browserChatToken(userId: string, secret: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    iss: "your-app",
    sub: userId,
    aud: ["your-client-id"],
    exp: now + 3600,
    nbf: now,
    iat: now,
    jti: randomUUID(),
  })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .sign(new TextEncoder().encode(secret));
}

/** A connection as the seed's browser chat opens one: its token in the cookie `session-token`. */
export async function cookieClient(url: string, user: string, secret: string): Promise<SeedClient> {
  const token = await browserChatToken(user, secret);
  const client = new SeedClient(url, { headers: { Cookie: `session-token=${token}` } });
  await client.opened;
  return client;
}

/** The join the seed's browser chat sends on open, and the answer it reads. */
export async function joinGlobal(client: SeedClient, name: string): Promise<void> {
  client.send({ event: "join_room", target: "room:global", payload: { name } });
  const answer = await client.next();
  if (answer !== JOIN_SUCCESS) throw new Error(`join_room answered ${answer}`);
}
