import { randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";

/**
 * A WebSocket handshake over a bare TCP socket that then never answers anything: a peer
 * that ignores close frames and pings, to test what the server does about such peers.
 */
export async function rawWebSocket(
  port: number,
  path: string,
): Promise<{ socket: Socket; received: Buffer[] }> {
  const socket = connect(port, "127.0.0.1");
  const received: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.once("connect", () => {
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    socket.on("data", (chunk: Buffer) => {
      received.push(chunk);
      if (Buffer.concat(received).includes("\r\n\r\n")) resolve();
    });
  });
  return { socket, received };
}

/** The close code of the first close frame (opcode 0x8) in the server's bytes after the handshake. */
export function closeCodeIn(received: Buffer[]): number | undefined {
  const bytes = Buffer.concat(received);
  let offset = bytes.indexOf("\r\n\r\n") + 4;
  while (offset + 2 <= bytes.length) {
    const opcode = (bytes[offset] as number) & 0x0f;
    let length = (bytes[offset + 1] as number) & 0x7f;
    let header = 2;
    if (length === 126) {
      length = bytes.readUInt16BE(offset + 2);
      header = 4;
    }
    if (opcode === 0x8) return bytes.readUInt16BE(offset + header);
    offset += header + length;
  }
  return undefined;
}
