/** Longest display name, as the Broadcast Server allows. */
export const MAX_NAME_LENGTH = 50;

/**
 * C0 and C1 control characters, DEL, and the zero-width and bidi format characters that
 * can disguise a name.
 */
function isForbidden(codePoint: number): boolean {
  return (
    codePoint <= 0x1f ||
    (codePoint >= 0x7f && codePoint <= 0x9f) ||
    (codePoint >= 0x200b && codePoint <= 0x200f) ||
    (codePoint >= 0x202a && codePoint <= 0x202e) ||
    (codePoint >= 0x2066 && codePoint <= 0x2069) ||
    codePoint === 0xfeff
  );
}

export type NameCheck = { ok: true; name: string } | { ok: false; message: string };

/** A display name: trimmed, 1–50 characters, no control or invisible format characters. */
export function checkName(raw: string): NameCheck {
  const name = raw.trim();
  if (name.length === 0) return { ok: false, message: "A name may not be empty." };
  if ([...name].length > MAX_NAME_LENGTH) {
    return { ok: false, message: `A name has at most ${MAX_NAME_LENGTH} characters.` };
  }
  if ([...name].some((char) => isForbidden(char.codePointAt(0) ?? 0))) {
    return { ok: false, message: "A name may not contain control characters." };
  }
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
