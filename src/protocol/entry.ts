import { entryAnchor as anchorOf } from "../../packages/client/src/permalink";
import { dayOf } from "./day";
import { MAX_NICK_CHARS, MAX_TEXT_CHARS } from "./limits";

/** One chat entry of a room's log. `seq` is its position in the room. */
export interface Entry {
  seq: number;
  nick: string;
  sec: number;
  usec: number;
  text: string;
  ip: string;
}

/**
 * Characters XML 1.0 forbids: control characters (tab, LF and CR stay), the
 * non-characters U+FFFE and U+FFFF, and halves of surrogate pairs, which a
 * JSON frame can carry and which no UTF-8 text can hold.
 */
const NOT_IN_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function removeControls(s: string): string {
  return s.replace(NOT_IN_XML, "");
}

/** The number of code points (a character outside the BMP counts once). */
export function charCount(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Cuts to `max` code points without splitting a surrogate pair. */
export function cutChars(s: string, max: number): string {
  if (s.length <= max) return s;
  let count = 0;
  let i = 0;
  while (i < s.length && count < max) {
    const code = s.codePointAt(i)!;
    i += code > 0xffff ? 2 : 1;
    count++;
  }
  return s.slice(0, i);
}

export interface CleanPost {
  nick: string;
  text: string;
}

/**
 * The posting rules: control characters removed, then trimmed, then cut.
 * Returns null when nick or text is empty: such a post is not stored.
 */
export function cleanPost(nick: string, text: string): CleanPost | null {
  const cleanNick = cutChars(removeControls(nick).trim(), MAX_NICK_CHARS).trim();
  const cleanText = cutChars(removeControls(text).trim(), MAX_TEXT_CHARS);
  if (cleanNick === "" || cleanText === "") return null;
  return { nick: cleanNick, text: cleanText };
}

/** The anchor that names an entry on its day page: entry-<sec hex>-<usec hex>. */
export function entryAnchor(entry: Pick<Entry, "sec" | "usec">): string {
  return anchorOf(entry.sec, entry.usec);
}

/** The permalink of an entry, relative to the room URL. */
export function permalink(entry: Pick<Entry, "sec" | "usec">): string {
  return `a/${dayOf(entry.sec)}#${entryAnchor(entry)}`;
}
