import { dayOf } from "../../protocol/day";
import type { DayCount } from "../../protocol/transfer";

const IMPORTED_SEQUENCE = "imported_sequence";

/**
 * What imports wrote into the room: the days (table imported_days) and the
 * post sequence they set (room_meta), so that a run again skips what is there
 * and the room's own posts are told apart from imported ones.
 */
export class ImportState {
  constructor(private readonly sql: SqlStorage) {}

  importedSequence(): number {
    const row = this.sql.exec<{ value: string }>("SELECT value FROM room_meta WHERE key = ?", IMPORTED_SEQUENCE).toArray()[0];
    return row === undefined ? 0 : Number(row.value);
  }

  setImportedSequence(sequence: number): void {
    this.sql.exec("INSERT OR REPLACE INTO room_meta (key, value) VALUES (?, ?)", IMPORTED_SEQUENCE, String(sequence));
  }

  importedDays(): DayCount[] {
    return this.sql.exec<{ day: string; count: number }>("SELECT day, count FROM imported_days ORDER BY day").toArray();
  }

  recordDay(day: string, count: number): void {
    this.sql.exec("INSERT OR REPLACE INTO imported_days (day, count) VALUES (?, ?)", day, count);
  }

  /**
   * The room's posts of its own: those after the sequence an import set, and
   * the day of the first of them, in the current log or among the archived
   * days that no import wrote.
   */
  ownPosts(sequence: number): { count: number; firstDay: string | null } {
    const count = Math.max(0, sequence - this.importedSequence());
    if (count === 0) return { count, firstDay: null };
    const inLog = this.sql.exec<{ sec: number | null }>("SELECT MIN(sec) AS sec FROM entries WHERE seq > ?", this.importedSequence()).one().sec;
    const archived = this.sql
      .exec<{ day: string | null }>("SELECT MIN(day) AS day FROM archive_days WHERE day NOT IN (SELECT day FROM imported_days)")
      .one().day;
    const days = [inLog === null ? null : dayOf(inLog), archived].filter((day): day is string => day !== null).sort();
    return { count, firstDay: days[0] ?? null };
  }
}
