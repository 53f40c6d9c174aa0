import type { Metrics } from "../metrics/metrics.js";
import type { SessionRegistry } from "../session/session-registry.js";

/**
 * One timer for every session: each tick cuts the sessions that have not answered the
 * previous tick's ping, then pings the others. A dead peer is gone within two intervals.
 */
export function startHeartbeat(
  registry: SessionRegistry,
  metrics: Metrics,
  intervalMs: number,
): () => void {
  const timer = setInterval(() => {
    for (const session of registry.sessions()) {
      if (session.pulse()) continue;
      metrics.heartbeatTimeouts.inc();
      session.terminate();
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
