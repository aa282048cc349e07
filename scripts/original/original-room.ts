/**
 * An original room read from its data directory, one day at a time: the
 * entries of each day as they will be imported (cleaned, collisions moved,
 * the entries only current.dat has added), and what was noticed on the way.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { dayOf, dayStart, DAY_SECONDS } from "../../src/protocol/day";
import { removeControls } from "../../src/protocol/entry";
import { listDataDir, type DataDir } from "./data-dir";
import { readEntryFile, type LineProblem, type ReadEntry } from "./entry-file";
import { writeDayLine, type OriginalEntry } from "./entry-line";

export type NoteKind =
  /** A line that does not read as an entry: not imported. */
  | "skipped"
  /** An entry whose (sec, usec) an earlier entry of the day has: moved to the nearest free microsecond. */
  | "collision"
  /** Characters XML forbids, removed from nick or text. */
  | "cleaned"
  /** A line that export will write differently (an older escape form, bad UTF-8), though the entry is the same. */
  | "rewritten"
  /** An entry only current.dat has, of a day that has a DD.dat: imported into that day. */
  | "merged"
  /** A DD.cnt that does not match its DD.dat. */
  | "count"
  /** A day refused: nothing of it is imported. */
  | "refused"
  /** A user of the htpasswd file left out. */
  | "user";

export interface Note extends LineProblem {
  kind: NoteKind;
}

export interface DayEntry extends OriginalEntry {
  file: string;
  line: number;
}

export interface LoadedDay {
  day: string;
  entries: DayEntry[];
  notes: Note[];
  /** Set when the day is refused: an entry of its file is not of the day. */
  refused: Note | null;
}

const MICRO = 1_000_000;
const key = (e: Pick<OriginalEntry, "nick" | "sec" | "usec" | "text">) => `${e.sec}.${e.usec}\u0000${e.nick}\u0000${e.text}`;

function readInteger(text: string): number | null {
  return /^\s*\d+\s*$/.test(text) ? Number(text.trim()) : null;
}

export class OriginalRoom {
  private constructor(
    readonly listing: DataDir,
    /** current.dat's entries that no DD.dat has, by day. */
    private readonly openByDay: Map<string, ReadEntry[]>,
    /** What reading current.dat noticed. */
    readonly currentNotes: Note[],
    readonly sequence: number | null,
    readonly lastPost: number | null,
    readonly repeated: number,
  ) {}

  static async open(dir: string): Promise<OriginalRoom> {
    const listing = await listDataDir(dir);
    const read = (rel: string) => readFile(join(listing.root, rel));
    const notes: Note[] = [];
    let current: ReadEntry[] = [];
    if (listing.current !== null) {
      const file = readEntryFile(await read(listing.current), listing.current);
      current = file.entries;
      notes.push(...file.skipped.map((p) => ({ ...p, kind: "skipped" as const })));
    }
    // current.dat repeats the end of the newest archived days: those entries are the archives' own.
    const unmatched = new Map<string, number[]>();
    current.forEach((entry, i) => unmatched.set(key(entry), [...(unmatched.get(key(entry)) ?? []), i]));
    const repeated = new Set<number>();
    for (const day of new Set(current.map((e) => dayOf(e.sec)))) {
      const rel = listing.dayFiles.get(day);
      if (rel === undefined) continue;
      for (const entry of readEntryFile(await read(rel), rel).entries) {
        const match = unmatched.get(key(entry))?.shift();
        if (match !== undefined) repeated.add(match);
      }
    }
    const openByDay = new Map<string, ReadEntry[]>();
    current.forEach((entry, i) => {
      if (repeated.has(i)) return;
      const day = dayOf(entry.sec);
      openByDay.set(day, [...(openByDay.get(day) ?? []), entry]);
    });
    const integer = async (rel: string | null) => (rel === null ? null : readInteger((await read(rel)).toString("utf8")));
    return new OriginalRoom(listing, openByDay, notes, await integer(listing.sequence), await integer(listing.lastPost), repeated.size);
  }

  /** Every day that has a DD.dat or entries only current.dat has, oldest first. */
  days(): string[] {
    return [...new Set([...this.listing.dayFiles.keys(), ...this.openByDay.keys()])].sort();
  }

  async blacklistText(): Promise<string | null> {
    return this.listing.blacklist === null ? null : (await readFile(join(this.listing.root, this.listing.blacklist))).toString("utf8");
  }

  /** A day's entries as they will be imported, in the order of the original's files. */
  async loadDay(day: string): Promise<LoadedDay> {
    const notes: Note[] = [];
    const fromFile: ReadEntry[] = [];
    let refused: Note | null = null;
    const rel = this.listing.dayFiles.get(day);
    const rewrittenLines = new Set<number>();
    if (rel !== undefined) {
      const file = readEntryFile(await readFile(join(this.listing.root, rel)), rel);
      notes.push(...file.skipped.map((p) => ({ ...p, kind: "skipped" as const })));
      notes.push(...file.badUtf8.map((p) => ({ ...p, kind: "rewritten" as const })));
      file.badUtf8.forEach((p) => rewrittenLines.add(p.line));
      fromFile.push(...file.entries);
      const stray = file.entries.find((e) => dayOf(e.sec) !== day);
      if (stray !== undefined) {
        refused = {
          file: rel,
          line: stray.line,
          kind: "refused",
          reason: `its time (${stray.sec} ${stray.usec}) is on ${dayOf(stray.sec)}, not ${day}: nothing of ${day} is imported`,
        };
      }
      const cnt = this.listing.countFiles.get(day);
      if (cnt !== undefined) {
        const count = readInteger((await readFile(join(this.listing.root, cnt))).toString("utf8"));
        if (count !== file.entries.length + file.skipped.length) {
          notes.push({
            file: cnt,
            line: 1,
            kind: "count",
            reason: `says ${count ?? "no number"}, ${rel} has ${file.entries.length} entries${file.skipped.length ? ` and ${file.skipped.length} unreadable lines` : ""}`,
          });
        }
      }
    }
    const open = this.openByDay.get(day) ?? [];
    if (rel !== undefined) for (const e of open) notes.push({ file: e.file, line: e.line, kind: "merged", reason: `only in current.dat: added to ${rel}` });

    const entries: DayEntry[] = [];
    const taken = new Set<number>();
    const first = dayStart(day) * MICRO;
    const last = first + DAY_SECONDS * MICRO - 1;
    for (const read of [...fromFile, ...open]) {
      const entry: DayEntry = {
        nick: removeControls(read.nick),
        sec: read.sec,
        usec: read.usec,
        text: removeControls(read.text),
        ip: read.ip,
        file: read.file,
        line: read.line,
      };
      let changed = false;
      if (entry.nick !== read.nick || entry.text !== read.text) {
        notes.push({ file: read.file, line: read.line, kind: "cleaned", reason: "characters XML forbids removed" });
        changed = true;
      }
      let at = read.sec * MICRO + read.usec;
      if (taken.has(at) && refused === null) {
        let free = at + 1;
        while (taken.has(free) && free <= last) free++;
        if (free > last) for (free = at - 1; taken.has(free) && free >= first; free--);
        entry.sec = Math.floor(free / MICRO);
        entry.usec = free % MICRO;
        notes.push({
          file: read.file,
          line: read.line,
          kind: "collision",
          reason: `(${read.sec} ${read.usec}) taken by an earlier entry: moved to (${entry.sec} ${entry.usec})`,
        });
        at = free;
        changed = true;
      }
      taken.add(at);
      if (!changed && read.file === rel && !rewrittenLines.has(read.line) && writeDayLine(read) !== read.raw) {
        notes.push({ file: read.file, line: read.line, kind: "rewritten", reason: "export writes it as Gauche's write does today" });
      }
      entries.push(entry);
    }
    if (refused !== null) notes.push(refused);
    return { day, entries, notes, refused };
  }
}
