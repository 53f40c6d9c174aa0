import type { JsonValue } from "../../protocol/index.js";
import type { EventNotice, EventPorts, MailAccepted, Sender } from "./ports.js";
import type { StepContext, StepLog } from "./step-definition.js";
import type { EventTarget } from "./templates/template-scope.js";

/** Writes a step's log lines, throttled per step (step-log-throttle.ts). */
export interface StepLogs {
  write(
    step: string,
    level: "info" | "warn",
    fields: Record<string, unknown>,
    message: string,
  ): void;
}

/** One event as it runs: the context every step of it shares. */
export class EventRun implements StepContext {
  tokenClaims: Readonly<Record<string, unknown>> | undefined = undefined;
  step = "";
  reply: EventNotice | undefined;
  mail: MailAccepted[] | undefined;
  #rooms: Set<string> | undefined;
  readonly log: StepLog;

  constructor(
    readonly eventName: string,
    readonly eventId: string,
    readonly ts: number,
    readonly requestId: string | undefined,
    readonly ports: EventPorts,
    readonly target: EventTarget | undefined,
    public payload: JsonValue,
    logs: StepLogs,
  ) {
    this.log = {
      info: (fields, message) => logs.write(this.step, "info", fields, message),
      warn: (fields, message) => logs.write(this.step, "warn", fields, message),
    };
  }

  get sender(): Sender {
    return this.ports.sender;
  }

  /** Made on first use: most events touch no room. */
  get roomsTouched(): Set<string> {
    this.#rooms ??= new Set();
    return this.#rooms;
  }

  setReply(notice: EventNotice): void {
    this.reply = notice;
  }

  addMail(mail: MailAccepted): void {
    this.mail ??= [];
    this.mail.push(mail);
  }
}
