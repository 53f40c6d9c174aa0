import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";

/** An HTTP answer to an upgrade that is not taken: the gateway's JSON, or a dialect's own words. */
export interface UpgradeRefusal {
  status: number;
  body: string;
  contentType: string;
}

/** The gateway's refusals: a JSON body with a stable code and a message. */
export function jsonRefusal(status: number, code: string, message: string): UpgradeRefusal {
  return {
    status,
    body: JSON.stringify({ error: { code, message } }),
    contentType: "application/json",
  };
}

/** Answers a refused upgrade with an HTTP status and a body, then closes the socket. */
export function refuseUpgrade(socket: Duplex, { status, body, contentType }: UpgradeRefusal): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const retry = status === 503 || status === 429 ? "Retry-After: 1\r\n" : "";
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Error"}\r\nConnection: close\r\n` +
      `Content-Type: ${contentType}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `X-Content-Type-Options: nosniff\r\n${retry}\r\n${body}`,
  );
}
