import type { Stats } from "../../protocol/index.js";
import type { MetricsReport } from "../metrics/metrics.js";

export type { Stats };

export interface StatsSources {
  metrics: Pick<MetricsReport, "totals">;
  startedAt: number;
  /** Counts mailboxes waiting for their owner (the store's `waitingMailboxes`). */
  mailboxesWaiting?: () => Promise<number>;
  /** How long a mailbox count is reused: counting may scan every mailbox. */
  mailboxesCacheMs?: number;
  clock?: () => number;
}

/**
 * Reads the stats from the node's metrics (the same numbers `/metrics` shows) and
 * the mailbox count from the store. However many dashboards poll, the store is asked at most
 * once per `mailboxesCacheMs`, and never twice at once.
 */
export function createStats(sources: StatsSources): () => Promise<Stats> {
  const { metrics, startedAt, mailboxesCacheMs = 2000, clock = Date.now } = sources;
  let cached: { at: number; value: Promise<number | null> } | undefined;

  const mailboxesWaiting = (): Promise<number | null> => {
    const count = sources.mailboxesWaiting;
    if (count === undefined) return Promise.resolve(null);
    const now = clock();
    if (cached === undefined || now - cached.at >= mailboxesCacheMs) {
      cached = { at: now, value: count().catch(() => null) };
    }
    return cached.value;
  };

  return async () => {
    const [totals, waiting] = await Promise.all([metrics.totals(), mailboxesWaiting()]);
    return {
      ...totals,
      mailboxesWaiting: waiting,
      uptimeSeconds: Math.round((clock() - startedAt) / 1000),
    };
  };
}
