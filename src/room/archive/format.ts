import type { Entry } from "../../protocol/entry";

/**
 * A day archive in R2: one JSON array per line,
 * [seq, nick, sec, usec, text, ip], oldest first.
 */
export const ARCHIVE_CONTENT_TYPE = "application/x-ndjson; charset=utf-8";

export function encodeDay(entries: readonly Entry[]): string {
  return entries.map((e) => `${JSON.stringify([e.seq, e.nick, e.sec, e.usec, e.text, e.ip])}\n`).join("");
}

export function decodeDay(text: string): Entry[] {
  const entries: Entry[] = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const [seq, nick, sec, usec, body, ip] = JSON.parse(line) as [number, string, number, number, string, string];
    entries.push({ seq, nick, sec, usec, text: body, ip });
  }
  return entries;
}

export function archiveKey(room: string, day: string): string {
  return `${room}/${day}`;
}
