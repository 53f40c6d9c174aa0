import { goStruct } from "../messagetransfer/go-json.js";

/**
 * The body the seed published to its queue `chat` for a recipient who was not connected: its
 * `MessageData` struct as Go's `json.Marshal` writes it (fields in declared order, `<`, `>`, `&`
 * escaped, no newline), so that consumers of that queue read what they always read.
 */
export function queueMessage(from: string, to: string, text: string): string {
  return goStruct([
    ["sender_id", from],
    ["target_id", to],
    ["message", text],
  ]);
}
