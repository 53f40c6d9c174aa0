import { describe, expect, it } from "vitest";
import type { ServerFrame } from "../../src/protocol/index.js";
import type { Authenticator, Credentials } from "../../src/server/auth/authenticator.js";
import type { Admission, Dialect } from "../../src/server/dialects/dialect.js";
import { createNativeDialect } from "../../src/server/dialects/native/native-dialect.js";
import { dialectContext, handshake } from "./dialect-context.js";

async function admit(dialect: Dialect<never>, url: string, headers = {}): Promise<Admission> {
  const req = handshake(url, headers);
  return dialect.admit(req, dialect.credential(req));
}

describe("the native dialect", () => {
  it("checks a handshake token before the upgrade: an identity, or a refusal told in band [AUTH-1]", async () => {
    const dialect = createNativeDialect(dialectContext({ anonymous: false }));
    const header = { authorization: "Bearer ann-token" };
    expect(await admit(dialect, "/ws?since=4", header)).toMatchObject({
      kind: "identified",
      identity: { userId: "ann", roles: ["admin"] },
      readsNative: true,
      since: 4,
    });
    expect(await admit(dialect, "/ws?token=wrong")).toMatchObject({
      kind: "unauthorized",
      error: { reason: "token_unknown" },
    });
    expect(await admit(dialect, "/ws?since=x")).toMatchObject({ kind: "pending", since: null });
  });

  it("admits a token it can check at once without a promise, and hands the client's address to the authenticator", async () => {
    const seen: Credentials[] = [];
    const authenticator: Authenticator = {
      authenticateSync(credentials) {
        seen.push(credentials);
        return credentials.token === "now"
          ? { userId: "ann", roles: [], claims: {}, anonymous: false }
          : undefined;
      },
      authenticate(credentials) {
        seen.push(credentials);
        return Promise.resolve({ userId: "bob", roles: [], claims: {}, anonymous: false });
      },
    };
    const dialect = createNativeDialect(dialectContext({ anonymous: false, authenticator }));
    const req = handshake("/ws");
    const now = dialect.admit(req, { token: "now", source: "header", address: "192.0.2.7" });
    expect(now).not.toBeInstanceOf(Promise);
    expect(now).toMatchObject({ kind: "identified", identity: { userId: "ann" } });
    const later = dialect.admit(req, { token: "later", source: "query", address: "192.0.2.8" });
    expect(later).toBeInstanceOf(Promise);
    expect(await later).toMatchObject({ kind: "identified", identity: { userId: "bob" } });
    // The credential is handed on as it is: compared by what an authenticator reads of it.
    expect(seen.map(({ token, address }) => ({ token, address }))).toEqual([
      { token: "now", address: "192.0.2.7" },
      { token: "later", address: "192.0.2.8" },
      { token: "later", address: "192.0.2.8" },
    ]);
  });

  it("leaves the client's address unread unless the authenticator asks for it", () => {
    const authenticator: Authenticator = {
      authenticateSync: (credentials) => ({
        userId: credentials.token,
        roles: [],
        claims: {},
        anonymous: false,
      }),
      authenticate: () => Promise.reject(new Error("not called")),
    };
    const dialect = createNativeDialect(dialectContext({ anonymous: false, authenticator }));
    let reads = 0;
    const credential = {
      token: "ann",
      source: "header" as const,
      get address() {
        reads += 1;
        return "192.0.2.7";
      },
    };
    expect(dialect.admit(handshake("/ws"), credential)).toMatchObject({ kind: "identified" });
    expect(reads).toBe(0);
  });

  it("names an anonymous client from the URL in development mode, as a guest `~name`, else a random `~anon-` name [AUTH-7]", async () => {
    const dialect = createNativeDialect(dialectContext());
    expect(await admit(dialect, "/ws?client_id=user1")).toMatchObject({
      kind: "identified",
      identity: { userId: "~user1", anonymous: true },
    });
    // Normalised as chat names are: compatibility forms folded, spaces made one.
    expect(await admit(dialect, `/ws?id=${encodeURIComponent("\uFF41nn  b")}`)).toMatchObject({
      identity: { userId: "~ann b" },
    });
    const random = await admit(dialect, "/ws");
    expect(random.kind === "identified" && random.identity.userId).toMatch(/^~anon-[0-9a-f]{8}$/);
  });

  it("turns away an anonymous name with invisible or control characters (close 4400)", async () => {
    const dialect = createNativeDialect(dialectContext());
    for (const name of ["ann\u200B", "ann\u00AD", "an\nn", "x".repeat(129)]) {
      expect(await admit(dialect, `/ws?client_id=${encodeURIComponent(name)}`)).toMatchObject({
        kind: "turned_away",
        error: { code: "invalid_field" },
        close: { code: 4400, reason: "invalid_username" },
      });
    }
  });

  it("says where a credential came from, for the origin check of cookie logins [AUTH-4]", () => {
    const dialect = createNativeDialect(dialectContext());
    const req = handshake("/ws", { cookie: "session-token=abc" });
    expect(dialect.credential(req)).toEqual({ token: "abc", source: "cookie" });
  });

  it("decodes native frames and writes frames as JSON", () => {
    const dialect = createNativeDialect(dialectContext());
    const client = { identity: undefined, dialectState: undefined };
    expect(dialect.decode('{"type":"ping"}', false, client)).toEqual({
      ok: true,
      frame: { type: "ping", id: undefined },
    });
    expect(dialect.decode("hello", false, client)).toMatchObject({ code: "invalid_json" });
    const pong: ServerFrame = { type: "pong", ref: "p", data: { ts: 1 } };
    expect(dialect.encode(pong)).toBe(JSON.stringify(pong));
  });
});
