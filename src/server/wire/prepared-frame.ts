import type { Duplex } from "node:stream";
import { WebSocket } from "ws";
import type { ServerFrame } from "../../protocol/index.js";

const TEXT_OPCODE = 0x1;

/** What a dialect's `encode` is to a shared frame: native frame in, the dialect's text (or nothing) out. */
export interface FrameEncoder {
  encode(frame: ServerFrame): string | undefined;
}

/**
 * A text frame encoded and framed once, so that fan-out writes the same bytes to every
 * socket. `ws.send()` encodes the string and builds a header for each socket it is sent to;
 * with 1,000 members that is 1,000 encodings of one message.
 *
 * `text` is a native server frame. Sessions of another dialect get it through `in(encoder)`,
 * which encodes it once per dialect, not once per member.
 */
export class PreparedFrame {
  private framed: Buffer | undefined;
  /** This frame in other dialects' words (null: the dialect sends nothing for it); made on first use. */
  private translations: Map<FrameEncoder, PreparedFrame | null> | undefined;
  private parsed: ServerFrame | undefined;

  constructor(readonly text: string) {}

  /** The whole WebSocket frame, header and UTF-8 payload in one buffer; built on first use. */
  get bytes(): Buffer {
    this.framed ??= frameText(this.text);
    return this.framed;
  }

  /** The frame as `encoder` says it, framed once for all its sessions; undefined to send nothing. */
  in(encoder: FrameEncoder): PreparedFrame | undefined {
    this.translations ??= new Map();
    let translated = this.translations.get(encoder);
    if (translated === undefined) {
      const text = encoder.encode(this.frame);
      translated = text === undefined ? null : new PreparedFrame(text);
      this.translations.set(encoder, translated);
    }
    return translated ?? undefined;
  }

  /**
   * The frame as an object, for a dialect's encoder: parsed once, whoever asks. The text is a
   * native server frame that this server encoded (router/encode-entry.ts, rooms, broadcasts),
   * here or on another node of the network, so it is read as one without a check.
   */
  get frame(): ServerFrame {
    this.parsed ??= JSON.parse(this.text) as ServerFrame;
    return this.parsed;
  }
}

/**
 * One text frame, header and payload in one buffer (so a corked socket gets one chunk): the
 * header of RFC 6455 §5.2 for a final, unmasked text frame (as ws's `Sender.frame` makes it),
 * and the text encoded in place, with no copy of it or of the header.
 */
export function frameText(text: string): Buffer {
  const length = Buffer.byteLength(text, "utf8");
  const headerLength = length < 126 ? 2 : length < 0x10000 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + length);
  frame[0] = 0x80 | TEXT_OPCODE;
  if (headerLength === 2) frame[1] = length;
  else if (headerLength === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(length / 0x100000000), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  frame.write(text, headerLength, length, "utf8");
  return frame;
}

/**
 * Writes a message (a string is framed for this socket alone) to the connection's socket,
 * under `ws`. Safe because `ws` writes its own frames (ping, pong, close) to the same socket
 * synchronously, in call order, as long as nothing is queued in its Sender: no
 * permessage-deflate (compression queues frames while it deflates) and no Blob data (never
 * sent here). Where compression was negotiated, the frame goes through `ws.send` instead.
 * Nothing is written once the connection is closing: data after a close frame breaks the
 * protocol.
 *
 * Returns false when nothing was written. Bytes written this way count in
 * `ws.bufferedAmount` and `socket.writableLength` as `ws.send`'s do (backpressure).
 */
export function writeFrame(ws: WebSocket, socket: Duplex, frame: PreparedFrame | string): boolean {
  if (ws.readyState !== WebSocket.OPEN) return false;
  if (ws.extensions !== "") {
    ws.send(typeof frame === "string" ? frame : frame.text);
    return true;
  }
  socket.write(typeof frame === "string" ? frameText(frame) : frame.bytes);
  return true;
}
