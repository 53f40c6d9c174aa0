import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { until } from "../support/until.js";
import { tokenFor } from "./chaos-tokens.js";
import { check, type Verdict } from "./checks.js";
import { readMailbox } from "./final-read.js";
import { freePort } from "./free-port.js";
import { sqliteIntegrity } from "./integrity.js";
import { Ledger, type Mail } from "./ledger.js";
import { postofficeNode } from "./postoffice-node.js";
import { ScriptedSender } from "./scripted-sender.js";
import type { WireClose } from "./wire-session.js";
import { WireSession } from "./wire-session.js";

export interface DrainResult {
  /** Sends written but not answered when SIGTERM was sent. */
  inFlightAtSigterm: number;
  acceptedBeforeSigterm: number;
  /** Attempts answered (`accepted` or an error) after SIGTERM, before the close. */
  answeredDuringDrain: Record<string, number>;
  /** Attempts sent before SIGTERM that the close left unanswered (there must be none). */
  unanswered: number;
  /**
   * Attempts sent after SIGTERM, before the client heard `server_shutdown`, that crossed the
   * close on the wire: unanswerable, resent after the restart with the same id [DELIVERY-4].
   */
  crossedTheClose: number;
  closes: WireClose[];
  exit: string;
  integrity: string;
  /** All the unanswered mail, resent after the restart, accepted. */
  resentAccepted: number;
  resent: number;
  verdict: Verdict;
  live: Record<string, number>;
}

const SENDERS = ["s0", "s1", "s2"];
const RECIPIENTS = ["r0", "r1", "r2"];
const WINDOW = 64;

/**
 * SIGTERM while three senders keep 64 sends each in flight: the node must drain (1001 to
 * every session) and exit 0; every send is then accepted (and kept), refused, or unanswered,
 * and an unanswered one resent with the same id after the restart lands exactly once.
 */
export async function runDrainScenario(cli: string): Promise<DrainResult> {
  const dir = await mkdtemp(join(tmpdir(), "postoffice-chaos-drain-"));
  const port = await freePort();
  const url = `ws://127.0.0.1:${port}/ws`;
  const node = postofficeNode({ name: "postoffice", cli, dir: join(dir, "node"), port });
  const ledger = new Ledger();
  try {
    await node.start();
    const senders = await Promise.all(
      SENDERS.map(async (user) =>
        ScriptedSender.open({ url, token: await tokenFor(user), user, ledger }),
      ),
    );
    let turn = 0;
    const pump = setInterval(() => {
      for (const sender of senders) {
        while (sender.isOpen && !sender.shuttingDown && sender.waiting < WINDOW)
          sender.fire(sender.mail(RECIPIENTS[turn++ % RECIPIENTS.length] ?? "r0"));
      }
    }, 2);
    await until(() => ledger.acceptedCount() >= 600, "600 mails accepted before SIGTERM", 60_000);

    const inFlightAtSigterm = senders.reduce((sum, sender) => sum + sender.waiting, 0);
    const acceptedBeforeSigterm = ledger.acceptedCount();
    const sigtermAt = Date.now();
    const exited = node.signal("SIGTERM");
    const closes = await Promise.all(senders.map((sender) => sender.closed));
    clearInterval(pump);
    await exited;
    const exit = await node.waitForExit(15_000);
    const integrity = sqliteIntegrity(join(dir, "node", "data", "mailboxes.db"));

    const answeredDuringDrain: Record<string, number> = {};
    let unanswered = 0;
    let crossedTheClose = 0;
    for (const attempts of ledger.connections.values()) {
      for (const attempt of attempts) {
        if (attempt.outcome === "no_answer") {
          if (attempt.sentAt < sigtermAt) unanswered += 1;
          else crossedTheClose += 1;
        } else if ((attempt.answeredAt ?? 0) >= sigtermAt)
          answeredDuringDrain[attempt.outcome] = (answeredDuringDrain[attempt.outcome] ?? 0) + 1;
      }
    }

    await node.start();
    const owed = (): Mail[] => [...ledger.mails.values()].filter((m) => m.acceptedId === undefined);
    const resent = owed().length;
    for (const user of SENDERS) {
      const again = await ScriptedSender.open({ url, token: await tokenFor(user), user, ledger });
      await again.send(owed().filter((mail) => mail.sender === user));
      again.close();
    }
    const probe = await WireSession.open({
      url,
      token: await tokenFor("probe"),
      onFrame: () => undefined,
    });
    const read = async (user: string, ackAll: boolean) =>
      readMailbox({ url, token: await tokenFor(user), probe, user, ackAll, timeoutMs: 20_000 });
    const boxes = [];
    for (const user of RECIPIENTS) boxes.push(await read(user, true));
    const senderBoxes = [];
    for (const user of SENDERS) senderBoxes.push(await read(user, false));
    probe.close();
    return {
      inFlightAtSigterm,
      acceptedBeforeSigterm,
      answeredDuringDrain,
      unanswered,
      crossedTheClose,
      closes,
      exit: exit === "timeout" ? "did not exit within 15 s" : `exit ${exit.code ?? exit.signal}`,
      integrity,
      resent,
      resentAccepted: resent - owed().length,
      verdict: check(ledger, boxes, senderBoxes),
      live: Object.fromEntries(ledger.anomalies),
    };
  } finally {
    if (node.running) await node.signal("SIGKILL");
    await rm(dir, { recursive: true, force: true });
  }
}
