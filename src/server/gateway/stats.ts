import type { Stats } from "../../protocol/index.js";
import type { Metrics } from "../metrics/metrics.js";

export type { Stats };

export interface StatsSources {
  metrics: Metrics;
  startedAt: number;
  /** Counts mailboxes waiting for their owner (the store's `waitingMailboxes`). */
  mailboxesWaiting?: () => Promise<number>;
  /** How long a mailbox count is reused: counting may scan every mailbox. */
  mailboxesCacheMs?: number;
  clock?: () => number;
}

/**
 * Reads the stats from the node's Metrics registry (the same numbers `/metrics` shows) and
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
    const [connections, sessions, routed, errors, waiting] = await Promise.all([
      metrics.connections.get(),
      metrics.sessions.get(),
      metrics.messagesRouted.get(),
      metrics.errors.get(),
      mailboxesWaiting(),
    ]);
    const byKind = { direct: 0, room: 0, broadcast: 0 };
    for (const { labels, value } of routed.values) {
      const kind = labels.kind;
      if (kind === "direct" || kind === "room" || kind === "broadcast") byKind[kind] += value;
    }
    const byCode: Record<string, number> = {};
    for (const { labels, value } of errors.values) {
      if (labels.code !== undefined) byCode[String(labels.code)] = value;
    }
    return {
      connections: connections.values[0]?.value ?? 0,
      sessions: sessions.values[0]?.value ?? 0,
      messagesRouted: byKind,
      errors: byCode,
      mailboxesWaiting: waiting,
      uptimeSeconds: Math.round((clock() - startedAt) / 1000),
    };
  };
}
