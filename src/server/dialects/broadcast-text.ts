/**
 * The Broadcast Server's text dialect [CHAT-2]: its clients send raw text and read lines
 * such as `john: hello` and `Server: john has joined the chat`. Sessions that did not ask for
 * the native protocol (no `postoffice.v1` subprotocol) get server frames rendered this way;
 * frames that have no such line (receipts, pongs) are not sent to them.
 */
export function renderAsText(frameJson: string, chatRoom: string): string | undefined {
  const frame = JSON.parse(frameJson) as { type: string; data?: Record<string, unknown> };
  const data = frame.data ?? {};
  switch (frame.type) {
    case "message": {
      if (data.room !== chatRoom) return undefined;
      const body = data.body as Record<string, unknown> | undefined;
      return `${String(data.from)}: ${typeof body?.text === "string" ? body.text : JSON.stringify(body)}`;
    }
    case "presence":
      if (data.room !== chatRoom || data.event === undefined) return undefined;
      return `Server: ${String(data.user)} has ${data.event === "join" ? "joined" : "left"} the chat`;
    case "broadcast": {
      const body = data.body as Record<string, unknown> | undefined;
      return `${String(data.from)}: ${typeof body?.text === "string" ? body.text : JSON.stringify(body)}`;
    }
    case "welcome":
      return `Server: Welcome, ${String(data.user)}`;
    case "error":
      return `Server: ${String(data.message)}`;
    default:
      return undefined;
  }
}
