import { describe, expect, it } from "vitest";
import { MemoryRoleDirectory } from "../../src/server/rules/role-directory.js";

describe("MemoryRoleDirectory", () => {
  it("does not know a user who never authenticated", () => {
    expect(new MemoryRoleDirectory().rolesOf("zoe")).toBeUndefined();
  });

  it("answers the roles of the latest authentication", () => {
    const directory = new MemoryRoleDirectory();
    directory.remember("alice", ["tenant"]);
    directory.remember("alice", ["admin"]);
    expect(directory.rolesOf("alice")).toEqual(["admin"]);
  });

  it("keeps its own copy, so the caller's array can change without changing the answer", () => {
    const directory = new MemoryRoleDirectory();
    const roles = ["admin"];
    directory.remember("alice", roles);
    roles.push("root");
    expect(directory.rolesOf("alice")).toEqual(["admin"]);
  });

  it("holds no entry for a user without roles, and forgets one who authenticates without them", () => {
    const directory = new MemoryRoleDirectory();
    for (let n = 0; n < 1000; n += 1) directory.remember(`guest-${n}`, []);
    expect(directory.size).toBe(0);
    directory.remember("alice", ["admin"]);
    directory.remember("alice", []);
    expect(directory.rolesOf("alice")).toBeUndefined();
    expect(directory.size).toBe(0);
  });
});
