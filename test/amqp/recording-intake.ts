import type { MailIntake, PublishOutcome } from "../../src/server/publish/mail-intake.js";
import type { PublishRequest } from "../../src/server/publish/publish-request.js";

export interface IntakeCall {
  service: string;
  request: PublishRequest;
  /** Settles the call, when the script held it. */
  settle(outcome: PublishOutcome): void;
  settled: boolean;
}

/** What the intake answers the nth call (from 1) with; `hold` leaves it to the test. */
export type IntakeScript = (
  request: PublishRequest,
  call: number,
) => PublishOutcome | "hold" | "throw";

/** An acceptance of any request (its items do not matter to the bridge). */
export function accept(request: PublishRequest): PublishOutcome {
  return {
    status: "accepted",
    accepted: [{ id: `mail-${request.id ?? "x"}`, broadcast: true, ts: Date.now() }],
  };
}

/**
 * The bridge's intake in tests: records every call and answers as its script says. The
 * core's real intake is not what these tests are about; the bridge's handling of each
 * answer is.
 */
export class RecordingIntake implements MailIntake {
  readonly calls: IntakeCall[] = [];
  script: IntakeScript;

  constructor(script: IntakeScript = accept) {
    this.script = script;
  }

  /** Calls not yet answered. */
  get pending(): IntakeCall[] {
    return this.calls.filter((call) => !call.settled);
  }

  /** Requests answered `accepted`. */
  readonly accepted: PublishRequest[] = [];

  publish(service: string, request: PublishRequest): Promise<PublishOutcome> {
    return new Promise((resolve, reject) => {
      const call: IntakeCall = {
        service,
        request,
        settled: false,
        settle: (outcome) => {
          if (call.settled) return;
          call.settled = true;
          if (outcome.status === "accepted") this.accepted.push(request);
          resolve(outcome);
        },
      };
      this.calls.push(call);
      const answer = this.script(request, this.calls.length);
      if (answer === "throw") {
        call.settled = true;
        reject(new Error("intake broke"));
      } else if (answer !== "hold") {
        call.settle(answer);
      }
    });
  }
}
