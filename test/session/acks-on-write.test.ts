import { afterEach, describe, expect, it } from "vitest";
import { createNativeDialect } from "../../src/server/dialects/native/native-dialect.js";
import { WrittenAcks } from "../../src/server/session/written-acks.js";
import { dialectContext } from "../dialects/dialect-context.js";
import { sessionPairs } from "./session-harness.js";

const pairs = sessionPairs();
afterEach(() => pairs.close());

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const bob = { userId: "bob", roles: [], claims: {}, anonymous: false };

const mail = (seq: number) => JSON.stringify({ type: "message", data: { seq } });

describe("mail acknowledged once written, for dialects whose clients never ack", () => {
  it("acknowledges each mailbox entry the session writes, when its dialect says so", async () => {
    const dialect = { ...createNativeDialect(dialectContext()), acksOnWrite: true };
    const { session, acks, received } = await pairs.open(dialect);
    session.bind(bob);
    session.deliverMail(1, mail(1), false);
    session.deliverMail(2, mail(2), false);
    expect(acks).toEqual([
      ["bob", 1],
      ["bob", 2],
    ]);
    await expect.poll(() => received).toEqual([mail(1), mail(2)]);
  });

  it("leaves acknowledging to the client in the native dialect", async () => {
    const { session, acks, received } = await pairs.open(createNativeDialect(dialectContext()));
    session.bind(bob);
    session.deliverMail(1, mail(1), false);
    await expect.poll(() => received).toEqual([mail(1)]);
    expect(acks).toEqual([]);
  });

  it("acknowledges nothing that could not be written", async () => {
    const dialect = { ...createNativeDialect(dialectContext()), acksOnWrite: true };
    const { session, acks } = await pairs.open(dialect);
    session.bind(bob);
    session.close(1000, "bye");
    session.deliverMail(1, mail(1), false);
    expect(acks).toEqual([]);
  });
});

describe("WrittenAcks", () => {
  it("acknowledges the highest sequence written per user, once per event-loop turn", async () => {
    const made: Array<[string, number]> = [];
    const failed: string[] = [];
    const acks = new WrittenAcks(
      async (userId, seq) => {
        made.push([userId, seq]);
        if (userId === "eve") throw new Error("store down");
      },
      (_error, userId) => failed.push(userId),
    );
    for (const seq of [3, 5, 4]) acks.written("bob", seq);
    acks.written("ann", 1);
    acks.written("eve", 7);
    expect(made).toEqual([]);
    await settle();
    expect(made).toEqual([
      ["bob", 5],
      ["ann", 1],
      ["eve", 7],
    ]);
    expect(failed).toEqual(["eve"]);
    acks.written("bob", 6);
    await settle();
    expect(made.at(-1)).toEqual(["bob", 6]);
  });

  it("settles a user's acknowledgements at once: the one pending is sent, and those in flight are awaited", async () => {
    const landed: number[] = [];
    const waiting: Array<() => void> = [];
    const acks = new WrittenAcks(
      (_userId, seq) =>
        new Promise<void>((resolve) =>
          waiting.push(() => {
            landed.push(seq);
            resolve();
          }),
        ),
      () => undefined,
    );
    acks.written("bob", 1);
    await settle();
    acks.written("bob", 2);
    acks.written("ann", 9);
    let settled = false;
    const done = acks.settled("bob").then(() => {
      settled = true;
    });
    // bob's 2 went at once, without waiting for the turn's flush; ann's waits for it.
    expect(waiting).toHaveLength(2);
    waiting[1]?.();
    await settle();
    expect(waiting).toHaveLength(3);
    expect(settled).toBe(false);
    waiting[0]?.();
    await done;
    expect(landed).toEqual([2, 1]);
    // Later acknowledgements (ann's) are not waited for; nothing in flight settles at once.
    waiting[2]?.();
    await settle();
    await expect(acks.settled("nobody")).resolves.toBeUndefined();
  });
});
