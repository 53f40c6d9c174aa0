import type { SessionContext } from "../session/session.js";

/**
 * Where clients connect, and what their sessions share there, the dialect they speak above
 * all. A node serves one endpoint per path (`server.path` today).
 */
export interface Endpoint {
  /** URL path of the WebSocket upgrade. */
  path: string;
  sessions: SessionContext;
}
