import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tokenFor } from "./chaos-tokens.js";
import { check, type Verdict } from "./checks.js";
import type { DiskFault } from "./disk-fault.js";
import { readMailbox } from "./final-read.js";
import { freePort } from "./free-port.js";
import { sqliteIntegrity } from "./integrity.js";
import { Ledger, type Mail } from "./ledger.js";
import { postofficeNode } from "./postoffice-node.js";
import { ScriptedSender } from "./scripted-sender.js";
import { sleep } from "./sleep.js";
import { WireSession } from "./wire-session.js";

export interface DiskScenarioResult {
  acceptedBefore: number;
  /** While the disk was bad: sends refused with `store_unavailable`, and sends still accepted. */
  refused: number;
  acceptedDuring: number;
  /** Error lines, and lines of any level, the node logged while the disk was bad (throttled). */
  errorLogLines: number;
  logLines: number;
  /** Any other answer while the disk was bad (there must be none). */
  otherAnswers: string[];
  /** How an `ack` was answered while the disk was bad (`store_unavailable` expected). */
  ackAnswer: string;
  /** /health and /ready while the disk was bad, and whether a new session was welcomed. */
  healthDuring: number;
  readyDuring: number;
  welcomedDuring: boolean;
  /** Whether /ready came back to 200 once the disk was good, before any mail was sent. */
  readyAfter: boolean;
  /** Refused mails retried with the same id once the disk was good again, all accepted. */
  retriedAccepted: number;
  retried: number;
  exit: string;
  integrity: string;
  verdict: Verdict;
  live: Record<string, number>;
}

/**
 * Mail before, during and after a disk fault, on one SQLite node: the node must refuse what it
 * cannot keep with `store_unavailable`, stay up, keep everything it accepted, and take the
 * refused mail again (same ids) once the disk is back; after a drain and a restart, the
 * mailboxes hold exactly the accepted mail.
 */
export async function runDiskScenario(options: {
  cli: string;
  fault: DiskFault;
  /** The data directory (on the file system the fault fills); default: a temp dir. */
  dataDir?: string;
  env?: Record<string, string>;
}): Promise<DiskScenarioResult> {
  const dir = await mkdtemp(join(tmpdir(), "postoffice-chaos-disk-"));
  const port = await freePort();
  const url = `ws://127.0.0.1:${port}/ws`;
  const node = postofficeNode({
    name: "postoffice",
    cli: options.cli,
    dir: join(dir, "node"),
    port,
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    ...(options.env === undefined ? {} : { env: options.env }),
  });
  const dataDir = options.dataDir ?? join(dir, "node", "data");
  const ledger = new Ledger();
  const recipients = ["r0", "r1"];
  try {
    await node.start();
    const sender = await ScriptedSender.open({
      url,
      token: await tokenFor("s0"),
      user: "s0",
      ledger,
    });
    const batch = (count: number): Mail[] =>
      Array.from({ length: count }, (_, i) =>
        sender.mail(recipients[i % recipients.length] ?? "r0"),
      );

    await sender.send(batch(100));
    const acceptedBefore = ledger.acceptedCount();

    const errorLinesBefore = node.errorLines;
    const logLinesBefore = node.logLines;
    await options.fault.engage();
    const during: Mail[] = [];
    for (let round = 0; round < 50 && refusedIn(during) < 10; round++) {
      const mails = batch(20);
      during.push(...mails);
      await sender.send(mails);
    }
    const ackAnswer = await ackWhileBad(url, await tokenFor("r0"));
    const healthDuring = (await fetch(`http://127.0.0.1:${port}/health`)).status;
    const readyStatus = async () => (await fetch(`http://127.0.0.1:${port}/ready`)).status;
    const readyDuring = await readyStatus();
    const welcomedDuring = await WireSession.open({
      url,
      token: await tokenFor("r1"),
      onFrame: () => undefined,
    })
      .then((session) => {
        session.close();
        return true;
      })
      .catch(() => false);
    const refused = during.filter((mail) => lastOutcome(mail) === "store_unavailable");
    const acceptedDuring = during.filter((mail) => lastOutcome(mail) === "accepted").length;
    const otherAnswers = during
      .map(lastOutcome)
      .filter((outcome) => outcome !== "accepted" && outcome !== "store_unavailable");
    const errorLogLines = node.errorLines - errorLinesBefore;
    const logLines = node.logLines - logLinesBefore;

    // Half the refused mail is given up (it must never appear), half is retried later.
    const retry = refused.filter((_, i) => i % 2 === 0);
    for (const mail of refused.filter((_, i) => i % 2 === 1)) mail.abandoned = true;
    await options.fault.release();
    // The node finds out by itself (it tries a write every second), before any mail is sent.
    let readyAfter = false;
    for (let round = 0; round < 50 && !readyAfter; round++) {
      readyAfter = (await readyStatus()) === 200;
      if (!readyAfter) await sleep(100);
    }
    for (let round = 0; round < 20; round++) {
      const owed = retry.filter((mail) => mail.acceptedId === undefined);
      if (owed.length === 0) break;
      await sender.send(owed);
      await sleep(100);
    }
    await sender.send(batch(50));
    sender.close();

    await node.signal("SIGTERM");
    const exited = await node.waitForExit(15_000);
    const exit =
      exited === "timeout" ? "did not exit within 15 s" : `exit ${exited.code ?? exited.signal}`;
    const integrity = sqliteIntegrity(join(dataDir, "mailboxes.db"));
    await node.start();
    const probe = await WireSession.open({
      url,
      token: await tokenFor("probe"),
      onFrame: () => undefined,
    });
    const read = async (user: string, ackAll: boolean) =>
      readMailbox({ url, token: await tokenFor(user), probe, user, ackAll, timeoutMs: 20_000 });
    const boxes = [await read("r0", true), await read("r1", true)];
    const senderBox = await read("s0", false);
    probe.close();
    return {
      acceptedBefore,
      refused: refused.length,
      acceptedDuring,
      errorLogLines,
      logLines,
      readyDuring,
      readyAfter,
      otherAnswers,
      ackAnswer,
      healthDuring,
      welcomedDuring,
      retried: retry.length,
      retriedAccepted: retry.filter((mail) => mail.acceptedId !== undefined).length,
      exit,
      integrity,
      verdict: check(ledger, boxes, [senderBox]),
      live: Object.fromEntries(ledger.anomalies),
    };
  } finally {
    if (node.running) await node.signal("SIGKILL");
    await options.fault.release();
    await rm(dir, { recursive: true, force: true });
  }
}

/** A recipient's `ack` (with an id) while the disk is bad: its answer's code, or "none". */
async function ackWhileBad(url: string, token: string): Promise<string> {
  let answer = "none";
  let done: (() => void) | undefined;
  const session = await WireSession.open({
    url,
    token,
    onFrame: (frame) => {
      if (frame.ref === "bad-ack" && frame.type === "error") answer = String(frame.data?.code);
      if (frame.ref === "bad-ack-ping") done?.();
    },
  });
  const answered = new Promise<void>((resolve) => {
    done = resolve;
  });
  // The ack needs a mail to cover: r0 has some from before the fault.
  session.send({ type: "ack", id: "bad-ack", data: { seq: 1_000_000 } });
  session.send({ type: "ping", id: "bad-ack-ping" });
  await Promise.race([answered, sleep(5000)]);
  session.close();
  return answer;
}

function lastOutcome(mail: Mail): string {
  return mail.attempts[mail.attempts.length - 1]?.outcome ?? "none";
}

function refusedIn(mails: Mail[]): number {
  return mails.filter((mail) => lastOutcome(mail) === "store_unavailable").length;
}
