import { readEntryLine, type OriginalEntry } from "./entry-line";

/** An entry with where it was read. */
export interface ReadEntry extends OriginalEntry {
  file: string;
  line: number;
  /** The line as it is in the file (UTF-8 decoded, without its line end). */
  raw: string;
}

export interface LineProblem {
  file: string;
  line: number;
  reason: string;
}

const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const lenient = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

/**
 * The entries of a file of entries, one a line. Lines that do not read as an
 * entry are skipped and reported; blank lines are nothing.
 */
export function readEntryFile(bytes: Uint8Array, file: string): { entries: ReadEntry[]; skipped: LineProblem[]; badUtf8: LineProblem[] } {
  const entries: ReadEntry[] = [];
  const skipped: LineProblem[] = [];
  const badUtf8: LineProblem[] = [];
  let start = 0;
  let line = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(0x0a, start);
    if (end < 0) end = bytes.length;
    line++;
    const slice = bytes.subarray(start, end);
    start = end + 1;
    let raw: string;
    try {
      raw = strict.decode(slice);
    } catch {
      raw = lenient.decode(slice);
      badUtf8.push({ file, line, reason: "not UTF-8: bad bytes read as U+FFFD" });
    }
    if (raw.trim() === "") continue;
    const reading = readEntryLine(raw);
    if ("reason" in reading) skipped.push({ file, line, reason: reading.reason });
    else entries.push({ ...reading.entry, file, line, raw: raw.replace(/\r$/, "") });
  }
  return { entries, skipped, badUtf8 };
}
