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
    case "message":
      return data.room === chatRoom ? said(data) : undefined;
    case "presence":
      if (data.room !== chatRoom || data.event === undefined) return undefined;
      return `Server: ${String(data.user)} has ${data.event === "join" ? "joined" : "left"} the chat`;
    case "broadcast":
      return said(data);
    case "welcome":
      return `Server: Welcome, ${String(data.user)}`;
    case "error":
      return `Server: ${String(data.message)}`;
    default:
      return undefined;
  }
}

/** `name: text`, or the body as JSON when it has no text. */
function said(data: Record<string, unknown>): string {
  const body = data.body as Record<string, unknown> | undefined;
  return `${String(data.from)}: ${typeof body?.text === "string" ? body.text : JSON.stringify(body)}`;
}

/**
 * One renderer for all text sessions of a node: fan-out sends the same frame string to every
 * member in a row, so the last frame's line is kept and each frame is parsed once, not once
 * per text client.
 */
export function createTextRenderer(chatRoom: string): (frameJson: string) => string | undefined {
  let lastFrame: string | undefined;
  let lastLine: string | undefined;
  return (frameJson) => {
    if (frameJson !== lastFrame) {
      lastFrame = frameJson;
      lastLine = renderAsText(frameJson, chatRoom);
    }
    return lastLine;
  };
}
