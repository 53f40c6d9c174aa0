import { afterAll, describe, expect, it } from "vitest";
import { CLI } from "../support/child-server.js";
import { runDrainScenario } from "./drain-scenario.js";
import { ManagedProcess } from "./managed-process.js";

// A run cut short by its timeout leaves no process behind.
afterAll(() => ManagedProcess.killAll());

describe("a SQLite node drained with SIGTERM under load", () => {
  it("closes every session with 1001, exits 0, answers every send in flight (accepted and kept, or server_shutdown), keeps every mail it accepted, and lands each refused send once when it is resent", async () => {
    const result = await runDrainScenario(CLI);
    const summary = JSON.stringify({ ...result, verdict: undefined }, null, 1);
    console.log(
      `drain: ${result.inFlightAtSigterm} sends in flight at SIGTERM, answered during the drain ${JSON.stringify(result.answeredDuringDrain)}, ${result.unanswered} unanswered (stored anyway: ${result.verdict.storedUnanswered}), ${result.resentAccepted}/${result.resent} accepted when resent`,
    );
    expect(result.exit, summary).toBe("exit 0");
    expect(result.integrity).toBe("ok");
    for (const close of result.closes) {
      expect(close.code).toBe(1001);
      expect(JSON.parse(close.reason)).toMatchObject({ code: "server_shutdown" });
    }
    expect(result.resentAccepted, summary).toBe(result.resent);
    // Every send in flight at the drain is answered: accepted (and kept), or refused
    // server_shutdown, before the 1001 close [OPS-1].
    expect(result.unanswered, `sends left unanswered; ${summary}`).toBe(0);
    const v = result.verdict;
    expect({
      lost: v.lost,
      storedTwice: v.storedTwice,
      phantoms: v.phantoms,
      refusedButStored: v.refusedButStored,
      reordered: v.reordered,
      holes: v.holes,
      receiptErrors: v.receiptErrors,
      live: result.live,
    }).toEqual({
      lost: [],
      storedTwice: [],
      phantoms: [],
      refusedButStored: [],
      reordered: [],
      holes: [],
      receiptErrors: [],
      live: {},
    });
  }, 60_000);
});
