import { describe, expect, it } from "vitest";
import type { ActivityEvent } from "../../src/server/activity/activity-event.js";
import { LocalActivityFeed } from "../../src/server/activity/local-activity-feed.js";

const join = (user: string): ActivityEvent => ({
  kind: "presence.join",
  room: "lobby",
  user,
  ts: 1,
});

describe("the local activity feed", () => {
  it("gives every subscriber each event, in the order emitted, until it unsubscribes", () => {
    const feed = new LocalActivityFeed(() => undefined);
    const first: string[] = [];
    const second: string[] = [];
    const stop = feed.subscribe((event) =>
      first.push(event.kind === "presence.join" ? event.user : ""),
    );
    feed.subscribe((event) => second.push(event.kind === "presence.join" ? event.user : ""));
    feed.emit(join("ann"));
    feed.emit(join("bob"));
    stop();
    feed.emit(join("cid"));
    expect(first).toEqual(["ann", "bob"]);
    expect(second).toEqual(["ann", "bob", "cid"]);
  });

  it("reports a subscriber that throws, and still gives the event to the others", () => {
    const failures: unknown[] = [];
    const feed = new LocalActivityFeed((error) => failures.push(error));
    const seen: ActivityEvent[] = [];
    feed.subscribe(() => {
      throw new Error("exporter broke");
    });
    feed.subscribe((event) => seen.push(event));
    feed.emit(join("ann"));
    expect(seen).toEqual([join("ann")]);
    expect(failures).toEqual([new Error("exporter broke")]);
  });
});
