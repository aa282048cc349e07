import type { DayCount } from "../../protocol/transfer";

/**
 * The days an import from an original room wrote to the archive (table
 * imported_days; they are in archive_days too), with the count written: a run
 * again skips them, and the room's own days are the archived days not here.
 */
export class ImportedDays {
  constructor(private readonly sql: SqlStorage) {}

  all(): DayCount[] {
    return this.sql.exec<{ day: string; count: number }>("SELECT day, count FROM imported_days ORDER BY day").toArray();
  }

  record(day: string, count: number): void {
    this.sql.exec("INSERT OR REPLACE INTO imported_days (day, count) VALUES (?, ?)", day, count);
  }

  /** The first archived day that no import wrote: a day of the room's own posts. */
  firstOwnArchivedDay(): string | null {
    return this.sql.exec<{ day: string | null }>("SELECT MIN(day) AS day FROM archive_days WHERE day NOT IN (SELECT day FROM imported_days)").one().day;
  }
}
