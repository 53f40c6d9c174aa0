import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";

/** Answers a refused upgrade with an HTTP status and a JSON body, then closes the socket. */
export function refuseUpgrade(socket: Duplex, status: number, code: string, message: string): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify({ error: { code, message } });
  const retry = status === 503 || status === 429 ? "Retry-After: 1\r\n" : "";
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Error"}\r\nConnection: close\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${retry}\r\n${body}`,
  );
}
