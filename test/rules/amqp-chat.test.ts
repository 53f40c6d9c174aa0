import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  type Actor,
  Permissions,
  type PermissionsConfig,
} from "../../src/server/rules/permissions.js";
import { MemoryRoleDirectory } from "../../src/server/rules/role-directory.js";

// The real-estate chat of the AMQP seed: admins, landlords and their tenants.
const CHAT: PermissionsConfig = {
  rooms: [{ match: "*", join: ["*"], send: ["*"], history: ["*"] }],
  direct: [
    { from: ["admin"], to: ["*"] },
    { from: ["landlord"], to: ["claim:tenants", "role:admin"] },
    { from: ["tenant"], to: ["claim:landlord", "role:admin"] },
  ],
  broadcast: ["admin"],
};

const USERS: Actor[] = [
  { userId: "alice", roles: ["admin"], claims: {} },
  { userId: "larry", roles: ["landlord"], claims: { tenants: ["tina", "tom"] } },
  { userId: "tina", roles: ["tenant"], claims: { landlord: "larry" } },
  { userId: "tom", roles: ["tenant"], claims: { landlord: "larry" } },
  { userId: "tess", roles: ["tenant"], claims: { landlord: "lena" } },
  { userId: "lena", roles: ["landlord"], claims: { tenants: ["tess"] } },
];

// Whom each may write to; every other pair, oneself included, is refused.
const REACHES: Record<string, string[]> = {
  alice: ["alice", "larry", "tina", "tom", "tess", "lena"],
  larry: ["alice", "tina", "tom"],
  tina: ["alice", "larry"],
  tom: ["alice", "larry"],
  tess: ["alice", "lena"],
  lena: ["alice", "tess"],
};

const PAIRS = USERS.flatMap((from) =>
  USERS.map((to) => ({
    from,
    to: to.userId,
    verdict: REACHES[from.userId]?.includes(to.userId) ? "allowed" : "refused",
  })),
);

function chat(config: PermissionsConfig): Permissions {
  const directory = new MemoryRoleDirectory();
  for (const user of USERS) directory.remember(user.userId, user.roles);
  return new Permissions(config, directory);
}

describe("the AMQP real-estate chat policy", () => {
  const rules = chat(CHAT);

  it.each(PAIRS)("$from.userId → $to is $verdict", ({ from, to, verdict }) => {
    expect(rules.direct(from, to).allowed).toBe(verdict === "allowed");
  });

  it("lets only admins broadcast", () => {
    expect(USERS.filter((user) => rules.broadcast(user).allowed).map((u) => u.userId)).toEqual([
      "alice",
    ]);
  });

  it("is what examples/amqp-chat/postoffice.yaml configures", () => {
    const file = new URL("../../examples/amqp-chat/postoffice.yaml", import.meta.url);
    const yaml: { permissions: PermissionsConfig } = parse(readFileSync(file, "utf8"));
    expect(yaml.permissions).toEqual(CHAT);
    expect(() => chat(yaml.permissions)).not.toThrow();
  });
});
