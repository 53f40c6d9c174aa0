import { describe, expect, it } from "vitest";
import { MailAdmission, MailRefusedError } from "../../src/server/router/mail-admission.js";
import { recipientPolicy } from "../../src/server/router/recipient-policy.js";
import { SenderQuota } from "../../src/server/router/sender-quota.js";
import { MemoryKnownUsers } from "../../src/server/users/known-users.js";
import { RecipientCheckUnavailableError } from "../../src/server/users/webhook-recipients.js";

/** A promise settled by the test, for a store read that answers when the test says. */
function deferred<T>() {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

describe("mail admission [LIMIT-8]", () => {
  it("calls the store in the order the sender sent, while it waits to learn whether a mailbox exists", async () => {
    const reads = new Map<string, ReturnType<typeof deferred<boolean>>>();
    const admission = new MailAdmission({
      quota: new SenderQuota({ windowMs: 60_000, maxBytes: 0, maxNewMailboxes: 10 }),
      recipients: recipientPolicy("any", [], undefined),
      hasMailbox: (user) => {
        const read = deferred<boolean>();
        reads.set(user, read);
        return read.promise;
      },
      refused: () => undefined,
    });
    const stored: string[] = [];
    const send = (to: string, text: string) =>
      admission.admit("alice", to, 10, async () => {
        stored.push(`${to}:${text}`);
        return text;
      });
    const first = send("carol", "1");
    const second = send("carol", "2");
    // Bob's mailbox is not known yet either, but he is asked after carol: nothing overtakes.
    const third = send("bob", "3");
    // Another sender does not wait for alice.
    const other = admission.admit("dave", "dave", 10, async () => {
      stored.push("dave:self");
      return "self";
    });
    await other;
    expect(stored).toEqual(["dave:self"]);
    reads.get("carol")?.resolve(false);
    await first;
    await Promise.resolve();
    reads.get("bob")?.resolve(true);
    expect(await Promise.all([first, second, third])).toEqual(["1", "2", "3"]);
    expect(stored).toEqual(["dave:self", "carol:1", "carol:2", "bob:3"]);
    // Carol's mailbox was asked about once: the second mail knew it was on its way.
    expect([...reads.keys()]).toEqual(["carol", "bob"]);
  });

  it("refuses unknown recipients without calling the store, and lets the sender's next mail through", async () => {
    const known = new MemoryKnownUsers();
    known.remember("bob");
    const refusals: string[] = [];
    const admission = new MailAdmission({
      quota: new SenderQuota({ windowMs: 60_000, maxBytes: 100, maxNewMailboxes: 0 }),
      recipients: recipientPolicy("connected", [], known),
      hasMailbox: async () => true,
      refused: (code) => refusals.push(code),
    });
    const stored: string[] = [];
    const store = (to: string) => async () => {
      stored.push(to);
    };
    // A refusal decided in the same turn is thrown: as a promise here, as a caller awaits it.
    const admit = async (to: string, bytes: number) =>
      admission.admit("alice", to, bytes, store(to));
    await expect(admit("eve", 10)).rejects.toBeInstanceOf(MailRefusedError);
    await admit("bob", 60);
    const over = admit("bob", 60);
    await expect(over).rejects.toMatchObject({ code: "quota_exceeded" });
    expect(stored).toEqual(["bob"]);
    expect(refusals).toEqual(["unknown_recipient", "quota_exceeded"]);
  });

  it("refuses with recipient_check_unavailable when the recipient cannot be checked, never asks about oneself, and keeps the sender's order", async () => {
    const asked: string[] = [];
    const refusals: string[] = [];
    const admission = new MailAdmission({
      quota: new SenderQuota({ windowMs: 60_000, maxBytes: 0, maxNewMailboxes: 0 }),
      recipients: recipientPolicy("webhook", [], undefined, {
        has: (user) => {
          asked.push(user);
          return user === "down"
            ? Promise.reject(new RecipientCheckUnavailableError("the check failed", 1000))
            : Promise.resolve(true);
        },
      }),
      hasMailbox: async () => true,
      refused: (code) => refusals.push(code),
    });
    const stored: string[] = [];
    const send = (to: string) =>
      admission.admit("alice", to, 10, async () => {
        stored.push(to);
      });
    const down = send("down");
    const bob = send("bob");
    const self = send("alice");
    await expect(down).rejects.toMatchObject({
      code: "recipient_check_unavailable",
      retryAfterMs: 1000,
    });
    await bob;
    await self;
    expect(stored).toEqual(["bob", "alice"]);
    expect(asked).toEqual(["down", "bob"]);
    expect(refusals).toEqual(["recipient_check_unavailable"]);
  });
});
