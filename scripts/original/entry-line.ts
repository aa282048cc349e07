/**
 * One line of an original room's `current.dat` or `DD.dat`: an entry as
 * Gauche's `write` prints it, `("nick" (sec usec) "text" "ip")`. Lines of
 * before May 2009 have no address; an address may be `#f`.
 */
import { readDatum, ReadError } from "../../packages/client/src/sexpr";
import { writeString } from "../../src/protocol/sexpr";

export interface OriginalEntry {
  nick: string;
  sec: number;
  usec: number;
  text: string;
  /** null for a three-element line or `#f`. */
  ip: string | null;
}

export type LineReading = { entry: OriginalEntry } | { reason: string };

const isCount = (value: unknown): value is number => typeof value === "number" && Number.isSafeInteger(value) && value >= 0;

/** Reads a line as the original's readers do; a line that is not an entry gives the reason. */
export function readEntryLine(line: string): LineReading {
  let datum;
  try {
    datum = readDatum(line);
  } catch (error) {
    if (error instanceof ReadError) return { reason: error.reason };
    throw error;
  }
  if (!Array.isArray(datum)) return { reason: "not a list" };
  if (datum.length !== 3 && datum.length !== 4) return { reason: `a list of ${datum.length} elements` };
  const [nick, time, text, ip] = datum;
  if (typeof nick !== "string") return { reason: "the nick is not a string" };
  if (!Array.isArray(time) || time.length !== 2 || !isCount(time[0]) || !isCount(time[1])) return { reason: "the time is not (sec usec)" };
  if (time[1] >= 1_000_000) return { reason: "usec over 999999" };
  if (typeof text !== "string") return { reason: "the text is not a string" };
  if (ip !== undefined && ip !== false && typeof ip !== "string") return { reason: "the address is not a string or #f" };
  return { entry: { nick, sec: time[0], usec: time[1], text, ip: typeof ip === "string" ? ip : null } };
}

/**
 * The line the original's archiver writes for an entry in `DD.dat`: always
 * four elements, a missing address as "0.0.0.0".
 */
export function writeDayLine(entry: OriginalEntry): string {
  return `(${writeString(entry.nick)} (${entry.sec} ${entry.usec}) ${writeString(entry.text)} ${writeString(entry.ip ?? "0.0.0.0")})`;
}

/** The line as `current.dat` has it: a missing address as `#f`. */
export function writeCurrentLine(entry: OriginalEntry): string {
  return `(${writeString(entry.nick)} (${entry.sec} ${entry.usec}) ${writeString(entry.text)} ${entry.ip === null ? "#f" : writeString(entry.ip)})`;
}
