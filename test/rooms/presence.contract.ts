import { beforeEach, describe, expect, it } from "vitest";
import type { Presence } from "../../src/server/rooms/presence.js";

/** The Presence contract (src/server/rooms/presence.ts), run by every implementation's test. */
export function presenceContract(name: string, create: () => Promise<Presence>): void {
  describe(`${name} (Presence contract)`, () => {
    let presence: Presence;
    beforeEach(async () => {
      presence = await create();
    });

    it("says a user is new to a room only with their first session, and gone only with their last", async () => {
      expect(await presence.join("lobby", "bob", "phone")).toBe(true);
      expect(await presence.join("lobby", "bob", "laptop")).toBe(false);
      expect(await presence.leave("lobby", "bob", "phone")).toBe(false);
      expect(await presence.leave("lobby", "bob", "laptop")).toBe(true);
    });

    it("lists each member once, per room", async () => {
      await presence.join("lobby", "bob", "phone");
      await presence.join("lobby", "bob", "laptop");
      await presence.join("lobby", "alice", "a1");
      await presence.join("kitchen", "carol", "c1");
      expect((await presence.members("lobby")).sort()).toEqual(["alice", "bob"]);
      expect(await presence.sessionCount("lobby")).toBe(3);
      expect(await presence.members("kitchen")).toEqual(["carol"]);
      expect(await presence.members("empty")).toEqual([]);
    });

    it("is idempotent per session", async () => {
      expect(await presence.join("lobby", "bob", "phone")).toBe(true);
      expect(await presence.join("lobby", "bob", "phone")).toBe(false);
      expect(await presence.sessionCount("lobby")).toBe(1);
      expect(await presence.leave("lobby", "bob", "phone")).toBe(true);
      expect(await presence.leave("lobby", "bob", "phone")).toBe(false);
      expect(await presence.leave("nowhere", "bob", "phone")).toBe(false);
    });

    it("keeps rooms apart: a session in two rooms leaves each on its own", async () => {
      expect(await presence.join("lobby", "bob", "phone")).toBe(true);
      expect(await presence.join("kitchen", "bob", "phone")).toBe(true);
      expect(await presence.leave("lobby", "bob", "phone")).toBe(true);
      expect(await presence.members("lobby")).toEqual([]);
      expect(await presence.sessionCount("lobby")).toBe(0);
      expect(await presence.members("kitchen")).toEqual(["bob"]);
    });

    it("never lets one user's leave touch another user's session of the same id", async () => {
      await presence.join("lobby", "bob", "s1");
      expect(await presence.leave("lobby", "alice", "s1")).toBe(false);
      expect(await presence.members("lobby")).toEqual(["bob"]);
      expect(await presence.join("lobby", "alice", "s1")).toBe(true);
      expect(await presence.sessionCount("lobby")).toBe(2);
    });

    it("takes room names and user ids as opaque strings", async () => {
      const room = "room:x y ✉";
      const odd = "a:b c\u0000d";
      expect(await presence.join(room, odd, "s1")).toBe(true);
      expect(await presence.join(room, "a:b c", "s1")).toBe(true);
      expect((await presence.members(room)).sort()).toEqual(["a:b c", odd]);
      expect(await presence.leave(room, odd, "s1")).toBe(true);
      expect(await presence.members(room)).toEqual(["a:b c"]);
    });
  });
}
