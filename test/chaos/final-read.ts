import { randomUUID } from "node:crypto";
import { sleep } from "./sleep.js";
import { type WireFrame, WireSession } from "./wire-session.js";

/** One retained entry of a mailbox, as a `since: 0` replay shows it. */
export interface StoredEntry {
  seq: number;
  id: string;
  kind: "mail" | "receipt";
  /** Mail: the harness's key in the body. */
  key?: string | undefined;
  from?: string;
  ts: number;
  /** Receipts: `delivered` or `read`. */
  status?: string;
}

export interface MailboxContents {
  user: string;
  entries: StoredEntry[];
  /** Seqs missing between 1 and the last entry: entries gone from the store. */
  holes: number[];
}

export interface FinalReadOptions {
  url: string;
  token: string;
  /** An open session of the probe user, who sends the end marker. */
  probe: WireSession;
  user: string;
  /** Acknowledge everything read (so that every mail's sender gets its `delivered` receipt). */
  ackAll: boolean;
  timeoutMs: number;
}

/**
 * Reads a whole mailbox from outside: a session with `since: 0` gets every retained entry in
 * seq order [DELIVERY-2, DELIVERY-3]; the probe then mails a marker to the same user, which comes
 * after all of them, so the reader knows the replay is complete when the marker arrives.
 */
export async function readMailbox(options: FinalReadOptions): Promise<MailboxContents> {
  const marker = `probe-${randomUUID()}`;
  const entries: StoredEntry[] = [];
  let markerSeq: number | undefined;
  let pong: (() => void) | undefined;
  let ackRefused = false;
  const reader = await WireSession.open({
    url: options.url,
    token: options.token,
    since: 0,
    timeoutMs: options.timeoutMs,
    onFrame: (frame: WireFrame) => {
      const data = frame.data ?? {};
      if (frame.type === "pong") pong?.();
      if (
        frame.type === "error" &&
        (data.code === "store_unavailable" || data.code === "outcome_unknown")
      )
        ackRefused = true;
      if (typeof data.seq !== "number" || markerSeq !== undefined) return;
      if (frame.type === "message" && typeof data.to === "string") {
        const key = (data.body as { k?: unknown } | undefined)?.k;
        if (key === marker) {
          markerSeq = data.seq;
          return;
        }
        entries.push({
          seq: data.seq,
          id: String(data.id),
          kind: "mail",
          key: typeof key === "string" ? key : undefined,
          from: String(data.from),
          ts: Number(data.ts),
        });
      } else if (frame.type === "receipt") {
        entries.push({
          seq: data.seq,
          id: String(data.id),
          kind: "receipt",
          ts: Number(data.ts),
          status: String(data.status),
        });
      }
    },
  });
  try {
    const deadline = Date.now() + options.timeoutMs;
    options.probe.send({
      type: "message",
      id: marker,
      data: { to: options.user, k: marker },
    });
    while (markerSeq === undefined) {
      if (Date.now() > deadline || !reader.isOpen)
        throw new Error(`the end marker to ${options.user} did not arrive`);
      await sleep(10);
    }
    if (options.ackAll) {
      // An ack holds the frames behind it until it is stored: the pong says it is [RECEIPT-1].
      for (;;) {
        ackRefused = false;
        const stored = new Promise<void>((resolve) => {
          pong = resolve;
        });
        reader.send({ type: "ack", id: "final-ack", data: { seq: markerSeq } });
        reader.send({ type: "ping", id: "final-ping" });
        await stored;
        if (!ackRefused) break;
        if (Date.now() > deadline) throw new Error(`the final ack of ${options.user} was refused`);
        await sleep(100);
      }
    }
  } finally {
    reader.close();
  }
  return { user: options.user, entries, holes: holesIn(entries, markerSeq) };
}

function holesIn(entries: StoredEntry[], end: number): number[] {
  const present = new Set(entries.map((entry) => entry.seq));
  const holes: number[] = [];
  for (let seq = 1; seq < end; seq++) if (!present.has(seq)) holes.push(seq);
  return holes;
}
