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
});
