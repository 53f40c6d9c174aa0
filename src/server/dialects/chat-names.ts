/** Longest display name, as the Broadcast Server allows. */
export const MAX_NAME_LENGTH = 50;

// C0 and C1 control characters, DEL, and the bidi/zero-width format characters that can
// disguise a name.
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/u;

export type NameCheck = { ok: true; name: string } | { ok: false; message: string };

/** A display name: trimmed, 1–50 characters, no control or invisible format characters. */
export function checkName(raw: string): NameCheck {
  const name = raw.trim();
  if (name.length === 0) return { ok: false, message: "A name may not be empty." };
  if ([...name].length > MAX_NAME_LENGTH) {
    return { ok: false, message: `A name has at most ${MAX_NAME_LENGTH} characters.` };
  }
  if (FORBIDDEN.test(name))
    return { ok: false, message: "A name may not contain control characters." };
  return { ok: true, name };
}

/**
 * Display names in use on this node [CHAT-1]: each connection gets its own, a taken name
 * gets the first free `-2`, `-3`, ... suffix, and a name is free again when its connection closes.
 */
export class ChatNames {
  private readonly taken = new Set<string>();

  /** Reserves `wanted` or the first free variant of it. */
  claim(wanted: string): string {
    let name = wanted;
    for (let n = 2; this.taken.has(name); n++) {
      const suffix = `-${n}`;
      name = [...wanted].slice(0, MAX_NAME_LENGTH - suffix.length).join("") + suffix;
    }
    this.taken.add(name);
    return name;
  }

  release(name: string): void {
    this.taken.delete(name);
  }
}
