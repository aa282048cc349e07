import { HttpError } from "../../http/errors";
import { DAY_SECONDS } from "../../protocol/day";
import type { Entry } from "../../protocol/entry";
import type { CleanPost } from "../../protocol/entry";

const SELECT_ENTRIES = "SELECT seq, nick, sec, usec, text, ip FROM entries";
const INSERT_ENTRY = "INSERT INTO entries (seq, nick, sec, usec, text, ip) VALUES (?, ?, ?, ?, ?, ?)";
const UPDATE_STATE = "UPDATE room_state SET seq = ?, last_sec = ?, last_usec = ? WHERE id = 1";

interface RoomState {
  seq: number;
  last_sec: number;
  last_usec: number;
}

type EntryRow = Entry & Record<string, SqlStorageValue>;

/** How many of the newest appended entries the log keeps in memory. */
const RECENT_ENTRIES = 16;

/** The room's current log in its SQLite storage. Positions are entry sequence numbers. */
export class CurrentLog {
  private state: RoomState;
  /**
   * The newest entries appended, in order up to the end, and every entry the
   * table holds from the first of them on: what the publish path reads back
   * after each post (since()), spared a query. Emptied by every other change.
   */
  private recent: Entry[] = [];

  /** `onImport` runs inside the transaction that imports each entry (search indexes it there; posts wait: src/room/search/pending-index.ts). */
  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly onImport: (entry: Entry) => void = () => {},
  ) {
    this.state = this.readState();
  }

  private readState(): RoomState {
    return this.storage.sql.exec<RoomState & Record<string, SqlStorageValue>>("SELECT seq, last_sec, last_usec FROM room_state WHERE id = 1").one();
  }

  /** Reads the state again and forgets the entries kept: a transaction around an append was rolled back. */
  reload(): void {
    this.state = this.readState();
    this.recent = [];
  }

  /** The position of the newest entry ever stored: the post sequence; 0 for an empty room. */
  get end(): number {
    return this.state.seq;
  }

  /** Seconds of the newest post, 0 when none. */
  get lastPost(): number {
    return this.state.last_sec;
  }

  /**
   * Stores a post with a timestamp later than every earlier one: a post in
   * the same microsecond as the last, or before it, moves one microsecond on.
   */
  append(post: CleanPost, ip: string, nowMs: number): Entry {
    let sec = Math.floor(nowMs / 1000);
    let usec = Math.floor(nowMs % 1000) * 1000;
    const { last_sec, last_usec } = this.state;
    if (sec < last_sec || (sec === last_sec && usec <= last_usec)) {
      sec = last_sec;
      usec = last_usec + 1;
      if (usec >= 1_000_000) {
        sec += 1;
        usec = 0;
      }
    }
    const entry: Entry = { seq: this.state.seq + 1, nick: post.nick, sec, usec, text: post.text, ip };
    this.storage.transactionSync(() => {
      this.storage.sql.exec(INSERT_ENTRY, entry.seq, entry.nick, entry.sec, entry.usec, entry.text, entry.ip);
      this.storage.sql.exec(UPDATE_STATE, entry.seq, entry.sec, entry.usec);
    });
    this.state = { seq: entry.seq, last_sec: sec, last_usec: usec };
    this.recent.push(entry);
    if (this.recent.length > RECENT_ENTRIES) this.recent.shift();
    return entry;
  }

  /** At most `limit` entries with `after < seq <= through`, oldest first. */
  range(after: number, through: number, limit: number): Entry[] {
    return this.storage.sql.exec<EntryRow>(`${SELECT_ENTRIES} WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?`, after, through, limit).toArray();
  }

  /**
   * Puts imported entries into the log with the positions the import gave
   * them, and continues the post sequence from `sequence` (never lower): then
   * the sequence is at least every imported position and the newest timestamp
   * at least every imported one and `lastPost`, so a new post comes after all
   * of them. Idempotent by timestamp; all or nothing; each entry taken is
   * handed to `onImport`.
   */
  importEntries(entries: readonly Entry[], sequence: number, lastPost: number): { added: number; present: number; sequence: number } {
    const sql = this.storage.sql;
    this.recent = [];
    return this.storage.transactionSync(() => {
      let added = 0;
      for (const e of entries) {
        if (sql.exec("SELECT 1 FROM entries WHERE sec = ? AND usec = ?", e.sec, e.usec).toArray().length > 0) continue;
        const taken = sql.exec<{ sec: number; usec: number }>("SELECT sec, usec FROM entries WHERE seq = ?", e.seq).toArray()[0];
        if (taken !== undefined) {
          throw new HttpError(
            409,
            `Position ${e.seq} already holds another entry (${taken.sec} ${taken.usec}): the original's sequence changed since the last import`,
          );
        }
        sql.exec(INSERT_ENTRY, e.seq, e.nick, e.sec, e.usec, e.text, e.ip);
        this.onImport(e);
        added++;
      }
      let { seq, last_sec, last_usec } = this.state;
      seq = Math.max(seq, sequence);
      const later = (sec: number, usec: number) => sec > last_sec || (sec === last_sec && usec > last_usec);
      if (later(lastPost, 0)) [last_sec, last_usec] = [lastPost, 0];
      for (const e of entries) {
        seq = Math.max(seq, e.seq);
        if (later(e.sec, e.usec)) [last_sec, last_usec] = [e.sec, e.usec];
      }
      sql.exec(UPDATE_STATE, seq, last_sec, last_usec);
      this.state = { seq, last_sec, last_usec };
      return { added, present: entries.length - added, sequence: seq };
    });
  }

  /** The second of the first entry after position `pos`, or null. */
  firstSecAfter(pos: number): number | null {
    return this.storage.sql.exec<{ sec: number | null }>("SELECT MIN(sec) AS sec FROM entries WHERE seq > ?", pos).one().sec;
  }

  /** Entries after position `pos`, oldest first. */
  since(pos: number): Entry[] {
    const first = this.recent[0];
    if (first !== undefined && pos >= first.seq - 1) return this.recent.slice(pos - first.seq + 1);
    return this.storage.sql.exec<EntryRow>(`${SELECT_ENTRIES} WHERE seq > ? ORDER BY seq`, pos).toArray();
  }

  /** The whole current log, oldest first. */
  all(): Entry[] {
    return this.since(0);
  }

  /** The entry at position `pos`, if it is still in the current log. */
  at(pos: number): Entry | null {
    return this.storage.sql.exec<EntryRow>(`${SELECT_ENTRIES} WHERE seq = ?`, pos).toArray()[0] ?? null;
  }

  /** Removes the entry with this timestamp, if the log holds it, and returns it. */
  removeAt(sec: number, usec: number): Entry | null {
    const entry = this.storage.sql.exec<EntryRow>(`${SELECT_ENTRIES} WHERE sec = ? AND usec = ?`, sec, usec).toArray()[0] ?? null;
    if (entry !== null) {
      this.storage.sql.exec("DELETE FROM entries WHERE seq = ?", entry.seq);
      this.recent = [];
    }
    return entry;
  }

  /** Entries with `from <= sec < to`, oldest first. */
  between(from: number, to: number): Entry[] {
    return this.storage.sql.exec<EntryRow>(`${SELECT_ENTRIES} WHERE sec >= ? AND sec < ? ORDER BY seq`, from, to).toArray();
  }

  /** The number of entries of each UTC day in the log, oldest day first, as day numbers (sec / 86400). */
  dayCounts(): { dayNumber: number; count: number }[] {
    return this.storage.sql
      .exec<{ dayNumber: number; count: number }>(
        `SELECT sec / ${DAY_SECONDS} AS dayNumber, COUNT(*) AS count FROM entries GROUP BY dayNumber ORDER BY dayNumber`,
      )
      .toArray();
  }

  /**
   * Removes the entries with `from <= sec < to`, except the newest `keep`
   * entries of the whole log; the post sequence stays. Returns how many went.
   */
  trimBetween(from: number, to: number, keep: number): number {
    this.recent = [];
    const kept = this.storage.sql.exec<{ seq: number }>("SELECT seq FROM entries ORDER BY seq DESC LIMIT 1 OFFSET ?", Math.max(keep - 1, 0)).toArray()[0];
    if (kept === undefined) return 0;
    return this.storage.sql.exec("DELETE FROM entries WHERE sec >= ? AND sec < ? AND seq < ?", from, to, kept.seq).rowsWritten;
  }

  /** Removes entries up to and including position `pos`; the post sequence stays. */
  trimThrough(pos: number): number {
    this.recent = [];
    return this.storage.sql.exec("DELETE FROM entries WHERE seq <= ?", pos).rowsWritten;
  }
}
