import { describe, expect, it } from "vitest";
import { StaticTokenAuthenticator } from "../../src/server/auth/static-token-authenticator.js";

describe("StaticTokenAuthenticator", () => {
  const tokens = [
    { token: "alice-token", user: "alice", roles: ["admin"] },
    { token: "bob-token", user: "bob", roles: [] },
  ];

  it("names the user and roles of a configured token", async () => {
    const auth = new StaticTokenAuthenticator(tokens);
    await expect(auth.authenticate({ token: "alice-token" })).resolves.toEqual({
      userId: "alice",
      roles: ["admin"],
      claims: {},
      anonymous: false,
    });
  });

  it("refuses an unknown token as token_unknown", async () => {
    const auth = new StaticTokenAuthenticator(tokens);
    await expect(auth.authenticate({ token: "alice-token2" })).rejects.toMatchObject({
      reason: "token_unknown",
    });
  });

  it("hands out roles the caller cannot use to change the configuration", async () => {
    const auth = new StaticTokenAuthenticator(tokens);
    (await auth.authenticate({ token: "alice-token" })).roles.push("root");
    const again = await auth.authenticate({ token: "alice-token" });
    expect(again.roles).toEqual(["admin"]);
  });

  it("refuses a configuration that lists one token twice or an empty token", () => {
    expect(
      () =>
        new StaticTokenAuthenticator([...tokens, { token: "alice-token", user: "eve", roles: [] }]),
    ).toThrow(/auth\.tokens\[2\]/);
    expect(() => new StaticTokenAuthenticator([{ token: "", user: "x", roles: [] }])).toThrow(
      /empty/,
    );
  });
});
