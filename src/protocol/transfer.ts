/**
 * What the import and export tools and a room's admin API exchange
 * (/<room>/admin/import and /<room>/admin/export), shared by both sides.
 */
import { dayOf, parseDay } from "./day";
import { USER_NAME } from "./user-name";

/** An entry as it moves in and out, and as a day archive stores it: [seq, nick, sec, usec, text, ip]. */
export type TransferEntry = [seq: number, nick: string, sec: number, usec: number, text: string, ip: string];

export interface TransferDay {
  day: string;
  entries: TransferEntry[];
}

export interface DayCount {
  day: string;
  count: number;
}

export interface KeptUser {
  user: string;
  /** The hash as the htpasswd file has it. */
  hash: string;
}

export type ImportBatch =
  /** Closed days, each written whole to the archive; with `archivesOnly`, only days before the room's first post. */
  | { kind: "days"; archivesOnly: boolean; days: TransferDay[] }
  /** The entries the current log holds (today's and the newest closed ones), the post sequence and last-post time. */
  | { kind: "current"; entries: TransferEntry[]; sequence: number; lastPost: number }
  /** Blocklist rules, one per line, in the room's syntax. */
  | { kind: "blocklist"; rules: string }
  | { kind: "users"; users: KeptUser[] };

/** GET /<room>/admin/import: what the tool needs to plan, or to continue, an import. */
export interface ImportStatus {
  room: string;
  private: boolean;
  /** The room's clock, ms: days before its today are closed. */
  now: number;
  sequence: number;
  /** The sequence an import set; a sequence beyond it counts posts of the room's own. */
  importedSequence: number;
  ownPosts: number;
  /** The day of the room's first post of its own, if any. */
  firstOwnDay: string | null;
  /** Days an import wrote, with the count written. */
  importedDays: DayCount[];
}

export interface DayImportResult {
  day: string;
  added: number;
  present: number;
  /** Why nothing of the day was written, when it was left out. */
  skipped?: string;
}

export type ImportReply =
  | { kind: "days"; days: DayImportResult[] }
  | { kind: "current"; added: number; present: number; sequence: number }
  | { kind: "blocklist"; added: string[]; present: number; errors: { line: number; text: string; reason: string }[] }
  | { kind: "users"; added: string[]; present: string[]; refused: { user: string; reason: string }[] };

/** GET /<room>/admin/export: everything but the days' entries. */
export interface ExportStatus {
  room: string;
  now: number;
  sequence: number;
  lastPost: number;
  /** Days with an archive, and their counts. */
  days: DayCount[];
  blocklist: string;
  /** The current log. */
  current: TransferEntry[];
}

/** GET /<room>/admin/export?day=YYYY/MM/DD */
export interface ExportDay {
  day: string;
  entries: TransferEntry[];
}

/** What the admin API asks of a room to move it in or out. */
export type TransferCommand =
  | { action: "import-status" }
  | { action: "import"; batch: ImportBatch }
  | { action: "export-status" }
  | { action: "export-day"; day: string };

export class TransferError extends Error {}

function fail(reason: string): never {
  throw new TransferError(reason);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function count(value: unknown, what: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) fail(`${what} must be a whole number`);
  return value;
}

function text(value: unknown, what: string): string {
  if (typeof value !== "string") fail(`${what} must be a string`);
  return value;
}

function readEntry(value: unknown, where: string): TransferEntry {
  if (!Array.isArray(value) || value.length !== 6) fail(`${where}: an entry is [seq, nick, sec, usec, text, ip]`);
  const usec = count(value[3], `${where}: usec`);
  if (usec >= 1_000_000) fail(`${where}: usec must be below 1000000`);
  return [
    count(value[0], `${where}: seq`),
    text(value[1], `${where}: nick`),
    count(value[2], `${where}: sec`),
    usec,
    text(value[4], `${where}: text`),
    text(value[5], `${where}: ip`),
  ];
}

function readEntries(value: unknown, where: string): TransferEntry[] {
  if (!Array.isArray(value)) fail(`${where}: entries must be a list`);
  const entries = value.map((entry, i) => readEntry(entry, `${where} entry ${i + 1}`));
  const seen = new Set<string>();
  for (const [, , sec, usec] of entries) {
    const key = `${sec}.${usec}`;
    if (seen.has(key)) fail(`${where}: two entries at ${sec} ${usec}`);
    seen.add(key);
  }
  return entries;
}

function readDay(value: unknown, i: number): TransferDay {
  if (!isRecord(value)) fail(`day ${i + 1} must be an object`);
  const name = text(value["day"], `day ${i + 1}`);
  const day = /^(\d{4})\/(\d{2})\/(\d{2})$/.exec(name);
  if (day === null || parseDay(day[1]!, day[2]!, day[3]!) === null) fail(`day ${i + 1}: "${name}" is not a day (YYYY/MM/DD)`);
  const entries = readEntries(value["entries"], name);
  const stray = entries.findIndex(([, , sec]) => dayOf(sec) !== name);
  if (stray >= 0) fail(`${name} entry ${stray + 1}: its time is on ${dayOf(entries[stray]![2])}`);
  return { day: name, entries };
}

/** An import batch from its JSON, checked whole; a TransferError says what is wrong. */
export function readImportBatch(value: unknown): ImportBatch {
  if (!isRecord(value)) fail("a batch is a JSON object");
  switch (value["kind"]) {
    case "days": {
      if (!Array.isArray(value["days"])) fail("days must be a list");
      const days = value["days"].map(readDay);
      if (new Set(days.map((d) => d.day)).size !== days.length) fail("a day is in the batch twice");
      return { kind: "days", archivesOnly: value["archivesOnly"] === true, days };
    }
    case "current":
      return {
        kind: "current",
        entries: readEntries(value["entries"], "current"),
        sequence: count(value["sequence"], "sequence"),
        lastPost: count(value["lastPost"], "lastPost"),
      };
    case "blocklist":
      return { kind: "blocklist", rules: text(value["rules"], "rules") };
    case "users": {
      if (!Array.isArray(value["users"])) fail("users must be a list");
      const users = value["users"].map((user, i): KeptUser => {
        if (!isRecord(user)) fail(`user ${i + 1} must be an object`);
        const name = text(user["user"], `user ${i + 1}`);
        if (!USER_NAME.test(name)) fail(`user ${i + 1}: a user name is 1 to 64 characters, no spaces or colons`);
        return { user: name, hash: text(user["hash"], `user ${name}: hash`) };
      });
      return { kind: "users", users };
    }
    default:
      return fail('kind must be "days", "current", "blocklist" or "users"');
  }
}
