import { describe, expect, it } from "vitest";
import {
  AuthError,
  type Authenticator,
  type AuthFailureReason,
} from "../../src/server/auth/authenticator.js";
import { ChainAuthenticator } from "../../src/server/auth/chain-authenticator.js";

function accepting(userId: string): Authenticator & { calls: number } {
  const auth = {
    calls: 0,
    async authenticate() {
      auth.calls += 1;
      return { userId, roles: [], claims: {}, anonymous: false };
    },
  };
  return auth;
}

function refusing(reason: AuthFailureReason): Authenticator {
  return {
    async authenticate() {
      throw new AuthError(reason, reason);
    },
  };
}

describe("ChainAuthenticator", () => {
  it("lets the first authenticator that accepts win", async () => {
    const second = accepting("second");
    const third = accepting("third");
    const chain = new ChainAuthenticator([refusing("token_unknown"), second, third]);
    await expect(chain.authenticate({ token: "t" })).resolves.toMatchObject({ userId: "second" });
    expect(third.calls).toBe(0);
  });

  it("stops at a refusal that is not token_unknown", async () => {
    const later = accepting("later");
    const chain = new ChainAuthenticator([refusing("token_expired"), later]);
    await expect(chain.authenticate({ token: "t" })).rejects.toMatchObject({
      reason: "token_expired",
    });
    expect(later.calls).toBe(0);
  });

  it("refuses with token_unknown when no authenticator knows the token", async () => {
    const chain = new ChainAuthenticator([refusing("token_unknown"), refusing("token_unknown")]);
    await expect(chain.authenticate({ token: "t" })).rejects.toMatchObject({
      reason: "token_unknown",
    });
  });

  it("refuses everything with token_unknown when empty", async () => {
    await expect(new ChainAuthenticator([]).authenticate({ token: "t" })).rejects.toMatchObject({
      reason: "token_unknown",
    });
  });

  it("refuses an identity in the guests' namespace (`~`), however it was made [AUTH-7]", async () => {
    const chain = new ChainAuthenticator([accepting("~alice")]);
    await expect(chain.authenticate({ token: "t" })).rejects.toMatchObject({
      name: "AuthError",
      reason: "token_claim_invalid",
    });
    const sync: Authenticator = {
      authenticate: async () => ({ userId: "~bob", roles: [], claims: {}, anonymous: false }),
      authenticateSync: () => ({ userId: "~bob", roles: [], claims: {}, anonymous: false }),
    };
    expect(() => new ChainAuthenticator([sync]).authenticateSync({ token: "t" })).toThrow(
      /anonymous guests/,
    );
    await expect(
      new ChainAuthenticator([accepting("al~ice")]).authenticate({ token: "t" }),
    ).resolves.toMatchObject({ userId: "al~ice" });
  });

  it("refuses an empty token as token_missing", async () => {
    await expect(
      new ChainAuthenticator([accepting("x")]).authenticate({ token: "" }),
    ).rejects.toMatchObject({ reason: "token_missing" });
  });

  it("reports an unexpected failure as auth_unavailable, keeping the cause", async () => {
    const bug = new TypeError("boom");
    const chain = new ChainAuthenticator([
      {
        async authenticate() {
          throw bug;
        },
      },
    ]);
    await expect(chain.authenticate({ token: "t" })).rejects.toMatchObject({
      reason: "auth_unavailable",
      cause: bug,
    });
  });

  it("closes every authenticator, even when one fails to close", async () => {
    const closed: string[] = [];
    const chain = new ChainAuthenticator([
      {
        ...refusing("token_unknown"),
        async close() {
          throw new Error("stuck");
        },
      },
      accepting("no close method"),
      {
        ...refusing("token_unknown"),
        async close() {
          closed.push("third");
        },
      },
    ]);
    await expect(chain.close()).rejects.toBeInstanceOf(AggregateError);
    expect(closed).toEqual(["third"]);
  });
});
