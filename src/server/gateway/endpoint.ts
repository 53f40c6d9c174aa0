import type { SessionContext } from "../session/session.js";

/**
 * Where clients connect, and what their sessions share there, the dialect they speak above
 * all. A node serves one endpoint per path: `server.path`, and each of `endpoints`.
 */
export interface Endpoint {
  /** URL path of the WebSocket upgrade; `*` (endpoint-table.ts): any path no other has. */
  path: string;
  sessions: SessionContext;
}
