/** How the command prints entries and results. */
import type { ChatEntry } from "../events.js";

const two = (n: number) => String(n).padStart(2, "0");

/** HH:MM of a time in seconds, in the local time zone (TZ). */
export function localClock(sec: number): string {
  const d = new Date(sec * 1000);
  return `${two(d.getHours())}:${two(d.getMinutes())}`;
}

/** YYYY-MM-DD HH:MM in the local time zone. */
export function localDateTime(sec: number): string {
  const d = new Date(sec * 1000);
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${localClock(sec)}`;
}

/** Continuation lines of a multi-line text start with this, below the clock. */
export const CONTINUATION = "      ";

/** A text's lines after the first, indented; CR LF and CR count as line ends. */
function indentLines(text: string): string {
  return text.split(/\r\n|\r|\n/).join(`\n${CONTINUATION}`);
}

/** The watcher's line: `HH:MM [room] nick: text`, continuation lines indented. */
export function watchLine(roomName: string, entry: Pick<ChatEntry, "nick" | "time" | "text">): string {
  return `${localClock(entry.time[0])} [${roomName}] ${entry.nick}: ${indentLines(entry.text)}\n`;
}

/** One entry as a JSON line: {"pos","nick","time","text","permalink"}. */
export function jsonLine(entry: ChatEntry): string {
  const { pos, nick, time, text, permalink } = entry;
  return `${JSON.stringify({ pos, nick, time, text, permalink })}\n`;
}

/** A search result: `YYYY-MM-DD HH:MM nick: text`, then its permalink, indented. */
export function resultLines(result: { nick: string; time: [number, number]; text: string; permalink: string }): string {
  return `${localDateTime(result.time[0])} ${result.nick}: ${indentLines(result.text)}\n${CONTINUATION}${result.permalink}\n`;
}
