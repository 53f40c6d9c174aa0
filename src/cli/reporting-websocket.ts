import type { ClientRequest, IncomingMessage } from "node:http";
import WebSocket from "ws";
import type { SocketFactory } from "../client/index.js";

/** The most of a refusal's body that is read for its message. */
const BODY_LIMIT = 4096;

/**
 * `ws`'s WebSocket, telling `report` why an attempt to connect failed: the network's error
 * (`connect ECONNREFUSED 127.0.0.1:8080`), or the server's refusal of the upgrade with the
 * message of its JSON body (`HTTP 403: origin not allowed`). The client SDK only learns that
 * the socket closed, and retries; a person at a terminal wants to know why.
 */
export function reportingWebSocket(report: (reason: string) => void): SocketFactory {
  return class ReportingWebSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols);
      this.on("error", (error: Error) => report(error.message));
      this.on("unexpected-response", (request: ClientRequest, response: IncomingMessage) => {
        refusal(response, (reason) => request.destroy(new Error(reason)));
      });
    }
  };
}

/** `HTTP 503: the server is draining`, once the body is read (or has failed). */
function refusal(response: IncomingMessage, done: (reason: string) => void): void {
  let body = "";
  let finished = false;
  const finish = (): void => {
    if (finished) return;
    finished = true;
    done(`HTTP ${response.statusCode ?? "?"}${messageOf(body)}`);
  };
  response.setEncoding("utf8");
  response.on("data", (chunk: string) => {
    if (body.length < BODY_LIMIT) body += chunk;
  });
  response.once("end", finish);
  response.once("close", finish);
  response.once("error", finish);
}

/** `: <message>` from the gateway's `{"error":{"code","message"}}`, or nothing. */
function messageOf(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } };
    const message = parsed.error?.message;
    return typeof message === "string" ? `: ${message}` : "";
  } catch {
    return "";
  }
}
