import type { ErrorCode } from "../../protocol/index.js";
import type { DialectName } from "../dialects/dialect.js";
import type { Buckets } from "./bucket-histogram.js";
import { type AcceptKind, closeCodeLabel, type FrameInType, LABELS } from "./labels.js";
import type { ConnectionMetrics } from "./metrics.js";
import { type Tally, TallyByLabel, type TallyCounter } from "./tally-counter.js";

/** The metric families a dialect's connections add to, by dialect. */
export interface ConnectionFamilies {
  framesIn: TallyCounter<"type" | "dialect">;
  framesOut: TallyCounter<"dialect">;
  disconnects: TallyCounter<"code" | "dialect">;
}

/** The counts every dialect's connections share (not labelled by dialect). */
export interface SharedCounts {
  errors: TallyByLabel<ErrorCode>;
  slowReaders: Tally;
  accepted: Record<AcceptKind, Buckets>;
  delivered: Buckets;
}

/**
 * One dialect's connections, over the node's metric families: its label bound once (one
 * object per endpoint, not per connection), its counts plain numbers.
 */
export class PromConnectionMetrics implements ConnectionMetrics {
  /** Open connections, and those of them that authenticated: the gauges read these. */
  open = 0;
  sessions = 0;
  private readonly framesIn: TallyByLabel<FrameInType>;
  private readonly framesOut: Tally;
  private readonly disconnects: TallyByLabel<string>;

  constructor(
    readonly dialect: DialectName,
    families: ConnectionFamilies,
    private readonly shared: SharedCounts,
  ) {
    this.framesIn = new TallyByLabel(
      (type) => families.framesIn.tally({ type, dialect }),
      LABELS.frameTypes,
    );
    this.framesOut = families.framesOut.tally({ dialect });
    this.disconnects = new TallyByLabel(
      (code) => families.disconnects.tally({ code, dialect }),
      LABELS.closeCodes,
    );
  }

  connectionOpened(): void {
    this.open += 1;
  }

  connectionClosed(code: number, authenticated: boolean): void {
    this.open -= 1;
    if (authenticated) this.sessions -= 1;
    // Client-chosen codes (3000-4999) by range: a client cannot grow the label set.
    this.disconnects.get(closeCodeLabel(code)).n += 1;
  }

  sessionStarted(): void {
    this.sessions += 1;
  }

  frameIn(type: FrameInType): void {
    this.framesIn.get(type).n += 1;
  }

  frameOut(): void {
    this.framesOut.n += 1;
  }

  errorSent(code: ErrorCode): void {
    this.shared.errors.get(code).n += 1;
  }

  slowReaderCut(): void {
    this.shared.slowReaders.n += 1;
  }

  messageAccepted(kind: AcceptKind, arrivedAt: number): void {
    this.shared.accepted[kind].observe((performance.now() - arrivedAt) / 1000);
  }

  mailDelivered(acceptedAt: number): void {
    // Another node's clock may be ahead of this one's.
    this.shared.delivered.observe(Math.max(0, Date.now() - acceptedAt) / 1000);
  }
}
