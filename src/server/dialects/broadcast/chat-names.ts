import { foldName, type NameCheck, normaliseName } from "../guest-names.js";

/** Longest display name, as the Broadcast Server allows. */
export const MAX_NAME_LENGTH = 50;

/**
 * `Server` speaks for the server in text lines (`Server: john has joined the chat`): no one
 * else may be called that, in any case or width, nor start with it and a mark (`Server-2`,
 * `Server: …`), which reads as the server too.
 */
const RESERVED = /^server(?![\p{L}\p{N}])/u;

/** What separates the name from the text in a line (`john: hello`). */
const SEPARATOR = ": ";

/**
 * A display name [CHAT-1]: normalised (NFKC, spaces), 1–50 characters, no control, invisible or
 * format character, not `Server`, and without the `: ` that ends a name in a text line.
 */
export function checkName(raw: string): NameCheck {
  const checked = normaliseName(raw, MAX_NAME_LENGTH);
  if (!checked.ok) return checked;
  if (RESERVED.test(foldName(checked.name))) {
    return { ok: false, message: `The name ${checked.name} is reserved for the server.` };
  }
  if (checked.name.includes(SEPARATOR)) {
    return { ok: false, message: 'A name may not contain ": ", which ends a name in a line.' };
  }
  return checked;
}

/**
 * Display names in use on this node [CHAT-1]: each connection gets its own, a taken name (in its
 * folded form: `John` takes `john` and `ｊｏｈｎ`) gets the first free `-2`, `-3`, ... variant,
 * and a name is free again when its connection closes.
 */
export class ChatNames {
  /** Folded form → the name as given. */
  private readonly taken = new Map<string, string>();

  /** Reserves `wanted` (a checked name) or the first free variant of it. */
  claim(wanted: string): string {
    let name = wanted;
    for (let n = 2; this.taken.has(foldName(name)); n++) {
      const suffix = `-${n}`;
      name = [...wanted].slice(0, MAX_NAME_LENGTH - suffix.length).join("") + suffix;
    }
    this.taken.set(foldName(name), name);
    return name;
  }

  release(name: string): void {
    const key = foldName(name);
    if (this.taken.get(key) === name) this.taken.delete(key);
  }
}
