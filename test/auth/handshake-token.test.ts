import type { IncomingHttpHeaders } from "node:http";
import { describe, expect, it } from "vitest";
import { PROTOCOL_VERSION as PROTOCOL_V1 } from "../../src/protocol/index.js";
import {
  anonymousName,
  BEARER_PREFIX,
  type HandshakeRequest,
  handshakeSince,
  handshakeToken,
  selectSubprotocol,
} from "../../src/server/dialects/native/handshake-token.js";

const options = { queryParam: "token", cookieName: "session-token" };

function request(url: string, headers: IncomingHttpHeaders = {}): HandshakeRequest {
  return { url, headers };
}

describe("handshakeToken", () => {
  it("takes a bearer entry offered as a subprotocol (the browser way)", () => {
    const req = request("/ws", { "sec-websocket-protocol": "postoffice.v1, bearer.aaa.bbb.ccc" });
    expect(handshakeToken(req, options)).toEqual({ token: "aaa.bbb.ccc", source: "subprotocol" });
  });

  it("takes an Authorization Bearer header, whatever the case of the scheme", () => {
    const req = request("/ws", { authorization: "bearer  tok-1 " });
    expect(handshakeToken(req, options)).toEqual({ token: "tok-1", source: "header" });
  });

  it("ignores an Authorization header of another scheme", () => {
    expect(handshakeToken(request("/ws", { authorization: "Basic abc" }), options)).toBeUndefined();
  });

  it("takes the configured cookie, URL-decoded, among others", () => {
    const req = request("/ws", {
      cookie: 'theme=dark; xsession-token=no; session-token="a%2Bb%3D"; other=1',
    });
    expect(handshakeToken(req, options)).toEqual({ token: "a+b=", source: "cookie" });
  });

  it("keeps a cookie value with a stray percent sign as it is", () => {
    const req = request("/ws", { cookie: "session-token=50%off" });
    expect(handshakeToken(req, options)).toEqual({ token: "50%off", source: "cookie" });
  });

  it("takes the configured query parameter", () => {
    const req = request("/ws?room=1&token=q-tok");
    expect(handshakeToken(req, options)).toEqual({ token: "q-tok", source: "query" });
    expect(handshakeToken(request("/ws?jwt=x"), { ...options, queryParam: "jwt" })).toEqual({
      token: "x",
      source: "query",
    });
  });

  it("prefers subprotocol, then header, then cookie, then query", () => {
    const all: IncomingHttpHeaders = {
      "sec-websocket-protocol": "postoffice.v1, bearer.from-protocol",
      authorization: "Bearer from-header",
      cookie: "session-token=from-cookie",
    };
    expect(handshakeToken(request("/ws?token=q", all), options)?.source).toBe("subprotocol");
    const { "sec-websocket-protocol": _p, ...noProtocol } = all;
    expect(handshakeToken(request("/ws?token=q", noProtocol), options)?.source).toBe("header");
    const { authorization: _a, ...cookieOnly } = noProtocol;
    expect(handshakeToken(request("/ws?token=q", cookieOnly), options)?.source).toBe("cookie");
    expect(handshakeToken(request("/ws?token=q"), options)?.source).toBe("query");
  });

  it("finds nothing in a request without a token, or with empty ones", () => {
    expect(handshakeToken(request("/ws"), options)).toBeUndefined();
    const empty = request("/ws?token=", {
      "sec-websocket-protocol": "postoffice.v1, bearer.",
      authorization: "Bearer ",
      cookie: "session-token=",
    });
    expect(handshakeToken(empty, options)).toBeUndefined();
  });
});

describe("the handshake's query", () => {
  it("reads the token and `since` of one request-target as URL would: decoded, `+` a space, up to a fragment", () => {
    const req = request("/ws?token=a%2Fb+c&since=12#since=3");
    expect(handshakeToken(req, options)).toEqual({ token: "a/b c", source: "query" });
    expect(handshakeSince(req)).toBe(12);
    expect(handshakeSince(request("/ws?since=4"))).toBe(4);
    expect(handshakeSince(request("/ws?since=-1"))).toBeNull();
  });

  it("finds no parameter in a request-target without a query, nor after one with", () => {
    expect(handshakeSince(request("/ws?since=7"))).toBe(7);
    expect(handshakeSince(request("/ws"))).toBeUndefined();
    expect(handshakeToken(request("/ws"), options)).toBeUndefined();
    expect(handshakeSince(request("/ws?since="))).toBeUndefined();
  });
});

describe("selectSubprotocol", () => {
  it("selects postoffice.v1 when offered", () => {
    expect(selectSubprotocol(new Set(["chat", PROTOCOL_V1]))).toBe("postoffice.v1");
  });

  it("never selects the bearer entry, so the token is not echoed back", () => {
    expect(selectSubprotocol(new Set([`${BEARER_PREFIX}secret`, PROTOCOL_V1]))).toBe(PROTOCOL_V1);
    expect(selectSubprotocol(new Set([`${BEARER_PREFIX}secret`]))).toBe(false);
  });

  it("selects nothing when postoffice.v1 is not offered", () => {
    expect(selectSubprotocol(new Set())).toBe(false);
  });
});

describe("anonymousName", () => {
  it("takes the first non-empty of client_id, id and username", () => {
    expect(anonymousName(request("/ws?username=u&id=i&client_id=c"))).toBe("c");
    expect(anonymousName(request("/ws?username=u&id=i&client_id="))).toBe("i");
    expect(anonymousName(request("/ws?username=u"))).toBe("u");
  });

  it("has no name for a request that gives none", () => {
    expect(anonymousName(request("/ws?token=t"))).toBeUndefined();
    expect(anonymousName({ headers: {} })).toBeUndefined();
  });
});
