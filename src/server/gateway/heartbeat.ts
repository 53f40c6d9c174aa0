import type { Metrics } from "../metrics/metrics.js";
import type { SessionRegistry } from "../session/session-registry.js";

/**
 * One timer for every session: each tick cuts the sessions that have not answered the
 * previous tick's ping, then pings the others. A dead peer is gone within two intervals.
 */
export function startHeartbeat(
  registry: SessionRegistry,
  metrics: Pick<Metrics, "heartbeatTimedOut">,
  intervalMs: number,
): () => void {
  const timer = setInterval(() => {
    for (const session of registry.sessions()) {
      if (session.pulse()) continue;
      metrics.heartbeatTimedOut();
      session.terminate();
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
