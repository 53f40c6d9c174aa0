import { guestId } from "../../protocol/index.js";
import type { Identity } from "../auth/identity.js";

/**
 * What a name may not hold once NFKC-normalised, because it shows as nothing, or as something
 * else than it is: controls (Cc), format characters (Cf: bidi controls, U+00AD, U+061C, U+FFF9,
 * zero-width joiners, tags such as U+E0041), every other default-ignorable code point (U+180E,
 * U+2060–U+2064, variation selectors such as U+FE0F, Hangul fillers), line and paragraph
 * separators, lone surrogates, private-use and unassigned code points; and U+2800, the Braille
 * blank, which no property marks but which draws nothing.
 */
const INVISIBLE =
  /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}\u2800]/u;

/** Runs of spaces of any width, which NFKC leaves apart from U+0020 (U+1680) or as runs. */
const SPACES = /\p{Zs}+/gu;

export type NameCheck = { ok: true; name: string } | { ok: false; message: string };

/**
 * A guest's name as it will be shown: NFKC-normalised (full-width and compatibility forms
 * become the plain ones), runs of spaces made one, trimmed; refused when empty, longer than
 * `maxLength` characters, or holding an invisible, control or format character.
 */
export function normaliseName(raw: string, maxLength: number): NameCheck {
  const normalised = raw.normalize("NFKC");
  if (INVISIBLE.test(normalised)) {
    return {
      ok: false,
      message: "A name may not contain control, invisible or format characters.",
    };
  }
  const name = normalised.replace(SPACES, " ").trim();
  if (name.length === 0) return { ok: false, message: "A name may not be empty." };
  if ([...name].length > maxLength) {
    return { ok: false, message: `A name has at most ${maxLength} characters.` };
  }
  return { ok: true, name };
}

/**
 * The form two names are compared in: NFKC with case folded (upper then lower case, so that
 * `ß` and `SS` meet), so `John`, `JOHN` and `ｊｏｈｎ` are one name.
 */
export function foldName(name: string): string {
  return name.normalize("NFKC").toUpperCase().toLowerCase().normalize("NFKC");
}

/**
 * A guest's identity: its user id in the guests' namespace (`~john`), never a signed-in user's
 * [AUTH-7].
 */
export function guestIdentity(name: string, claims: Record<string, unknown> = {}): Identity {
  return { userId: guestId(name), roles: [], claims, anonymous: true };
}
