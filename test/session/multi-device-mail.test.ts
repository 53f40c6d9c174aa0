import { afterEach, describe, expect, it, vi } from "vitest";
import { topics } from "../../src/server/broker/broker.js";
import { MemoryBroker } from "../../src/server/broker/memory-broker.js";
import { createNativeDialect } from "../../src/server/dialects/native/native-dialect.js";
import { MailboxFeed } from "../../src/server/session/mailbox-feed.js";
import { SessionRegistry } from "../../src/server/session/session-registry.js";
import { dialectContext } from "../dialects/dialect-context.js";
import { sessionPairs } from "./session-harness.js";

const pairs = sessionPairs();
afterEach(() => {
  vi.restoreAllMocks();
  return pairs.close();
});

const bob = { userId: "bob", roles: [], claims: {}, anonymous: false };
const mail = (seq: number) =>
  JSON.stringify({ type: "message", data: { seq, from: "ann", to: "bob", body: { text: "hi" } } });

describe("live mail to a user with several devices on one node", () => {
  it("is framed once and the same bytes are written to every device, in order", async () => {
    const broker = new MemoryBroker((error) => expect.fail(String(error)));
    const registry = new SessionRegistry(broker);
    const devices = await Promise.all(
      [0, 1, 2].map(() => pairs.open(createNativeDialect(dialectContext()))),
    );
    for (const { session } of devices) {
      session.bind(bob);
      await registry.attach(session, "bob");
    }
    // The feeds go live with nothing stored: an empty store's first page.
    const feeds = devices.map(({ session }) => {
      const feed = new MailboxFeed({
        userId: "bob",
        store: { readAfter: async () => [] },
        startAfter: 0,
        reader: session,
        onError: (error) => expect.fail(String(error)),
      });
      session.follow(feed);
      feed.replay();
      return feed;
    });
    await expect.poll(() => feeds.every((feed) => feed.started)).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    // Framing a text (wire/prepared-frame.ts's frameText) measures its UTF-8 length first, once
    // per frame made; a prepared frame is framed once for every device.
    const framing = vi.spyOn(Buffer, "byteLength");
    await broker.publish(topics.mailbox("bob"), { seq: 1, frame: mail(1) });
    await broker.publish(topics.mailbox("bob"), { seq: 2, frame: mail(2) });
    for (const { received } of devices) {
      await expect.poll(() => received).toEqual([mail(1), mail(2)]);
    }
    expect(framing).toHaveBeenCalledTimes(2);
  });
});
