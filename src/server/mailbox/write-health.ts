import type { CommitStage } from "./group-commit.js";
import { StoreError } from "./message-store.js";

/**
 * `accepting`: the last write was kept. `failing`: the last write failed (a full or read-only
 * disk, a lock held too long); writes are still tried, and a probe tries one now and then.
 * `stopped`: a WAL sync failed; no write is tried again until the node restarts.
 */
export type WriteState = "accepting" | "failing" | "stopped";

export interface WriteHealthOptions {
  /** One cheap write through the group commit: it resolves once kept, or rejects. */
  probe: () => Promise<unknown>;
  /** Time between probes while failing (default 1000 ms). */
  probeIntervalMs?: number | undefined;
  /** Told of every change of state (the composition root logs it). */
  onChange?: ((state: WriteState, error?: unknown) => void) | undefined;
}

/**
 * Whether the SQLite store can keep mail, learned from its writes, for the node's readiness
 * [OPS-2]: a failed write makes it `failing` until a write is kept again, a client's or the
 * probe's (one every `probeIntervalMs`, so that an idle node whose load balancer sends it
 * nobody still comes back once the disk has room).
 *
 * A failed WAL sync stops every write for good. The commit it was for is in the WAL but not
 * known to be on disk, and after a failed fsync the kernel may have dropped those pages:
 * a later sync that succeeds does not bring them back. Taking more writes would let a retry of
 * that mail find its idempotency key and be told `accepted` about a mail that may not survive
 * a crash, and a checkpoint could copy pages the disk never got. A restart reads the WAL back
 * from the disk, which says what was kept (as PostgreSQL does after a failed fsync).
 */
export class WriteHealth {
  private current: WriteState = "accepting";
  private timer: NodeJS.Timeout | undefined;
  private probing = false;
  private closed = false;
  private readonly probeIntervalMs: number;

  constructor(private readonly options: WriteHealthOptions) {
    this.probeIntervalMs = options.probeIntervalMs ?? 1000;
  }

  get state(): WriteState {
    return this.current;
  }

  get accepting(): boolean {
    return this.current === "accepting";
  }

  /**
   * A batch of writes failed: the error its writes reject with. Before the commit, nothing of
   * it was kept; at the commit, it may have been; at the sync, it was committed but may not
   * be on disk.
   */
  failed(error: unknown, stage: CommitStage): StoreError {
    switch (stage) {
      case "write":
        this.change("failing", error);
        return new StoreError(`mailbox database write failed: ${String(error)}`, {
          cause: error,
        });
      case "commit":
        this.change("failing", error);
        return new StoreError(
          `mailbox database commit failed; it may have been kept: ${String(error)}`,
          { cause: error, code: "outcome_unknown" },
        );
      case "sync":
        this.change("stopped", error);
        return new StoreError(
          `mailbox database WAL sync failed; the commit may or may not be on disk: ${String(error)}`,
          { cause: error, code: "outcome_unknown" },
        );
      default: {
        const unknown: never = stage;
        throw new Error(`unknown commit stage ${String(unknown)}`);
      }
    }
  }

  /** A batch was kept (committed, and synced where the store syncs). */
  succeeded(): void {
    if (this.current === "failing") this.change("accepting");
  }

  /** The error every write is refused with, untried, once stopped; undefined otherwise. */
  refusal(): StoreError | undefined {
    if (this.current !== "stopped") return undefined;
    return new StoreError(
      "the mailbox database takes no writes since a WAL sync failed; restart the node",
    );
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private change(next: WriteState, error?: unknown): void {
    if (this.current === "stopped" || this.current === next) {
      if (next === "failing") this.scheduleProbe();
      return;
    }
    this.current = next;
    if (next === "failing") this.scheduleProbe();
    else clearTimeout(this.timer);
    this.options.onChange?.(next, error);
  }

  private scheduleProbe(): void {
    if (this.closed || this.timer !== undefined || this.probing) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.current !== "failing") return;
      this.probing = true;
      // Its outcome reaches `failed` or `succeeded` through the group commit like any write.
      this.options
        .probe()
        .catch(() => undefined)
        .finally(() => {
          this.probing = false;
          if (this.current === "failing") this.scheduleProbe();
        });
    }, this.probeIntervalMs);
    this.timer.unref();
  }
}
