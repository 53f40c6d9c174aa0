/**
 * Something in `events:` or `plugins:` that cannot be used: the key (a JSON pointer into the
 * configuration, such as /events/chat/actions/0/notify_room/event) and what is wrong. The
 * check command and the composition root add the file and line from the config's sources.
 */
export interface Problem {
  pointer: string;
  message: string;
}

export function escapePointer(key: string): string {
  return key.replaceAll("~", "~0").replaceAll("/", "~1");
}
