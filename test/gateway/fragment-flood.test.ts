import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { type Socket, connect as tcpConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type ChildServer, startCli } from "../support/child-server.js";
import { closeCodeIn } from "../support/raw-socket.js";
import { signToken } from "../support/test-client.js";

/** A masked client frame of one byte (RFC 6455 5.2). */
function oneByteFrame(opcode: number, fin: boolean): Buffer {
  const mask = randomBytes(4);
  return Buffer.concat([
    Buffer.from([(fin ? 0x80 : 0) | opcode, 0x81]),
    mask,
    Buffer.from([0x20 ^ (mask[0] as number)]),
  ]);
}

async function residentMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]) / 1024;
}

async function handshake(port: number, path: string): Promise<{ socket: Socket; got: Buffer[] }> {
  const socket = tcpConnect(port, "127.0.0.1");
  socket.on("error", () => undefined);
  const got: Buffer[] = [];
  await new Promise<void>((resolve) => {
    socket.once("connect", () =>
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      ),
    );
    socket.on("data", (chunk: Buffer) => {
      got.push(chunk);
      if (Buffer.concat(got).includes("\r\n\r\n")) resolve();
    });
    socket.once("close", () => resolve());
  });
  return { socket, got };
}

describe("a flood of one-byte fragments against a real server process [LIMIT-6]", () => {
  let server: ChildServer | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    server?.child.kill("SIGKILL");
    await server?.exited;
    server = undefined;
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it("closes every attacking socket with 1008, and the server's memory stays flat", async () => {
    dir = await mkdtemp(join(tmpdir(), "postoffice-fragments-"));
    const started = await startCli({ cwd: dir, config: { metrics: { processMetrics: false } } });
    server = started.server;
    const pid = server.child.pid as number;
    const before = await residentMiB(pid);
    // 40 sockets, half of them with a token: one text frame with FIN=0, then 10,000 one-byte
    // continuation frames each (2.8 MB in all). Unbounded, this held about 60 MB.
    const sockets = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const path = i % 2 === 0 ? "/ws" : `/ws?token=${await signToken({ sub: `m${i}` })}`;
        return handshake(started.port, path);
      }),
    );
    const run = Buffer.concat(Array.from({ length: 1000 }, () => oneByteFrame(0x0, false)));
    const closed = sockets.map(
      ({ socket }) => new Promise<void>((resolve) => socket.once("close", () => resolve())),
    );
    for (const { socket } of sockets) {
      socket.write(oneByteFrame(0x1, false));
      for (let k = 0; k < 10 && !socket.destroyed; k++) socket.write(run);
    }
    await Promise.all(closed);
    const after = await residentMiB(pid);
    expect(sockets.map(({ got }) => closeCodeIn(got))).toEqual(sockets.map(() => 1008));
    expect(after - before).toBeLessThan(25);
  }, 30_000);
});
