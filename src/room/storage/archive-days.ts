export interface DayCount {
  day: string;
  count: number;
}

/** The days whose archive object is confirmed in R2 (table archive_days). */
export class ArchiveIndex {
  constructor(private readonly sql: SqlStorage) {}

  count(day: string): number | null {
    return this.sql.exec<{ count: number }>("SELECT count FROM archive_days WHERE day = ?", day).toArray()[0]?.count ?? null;
  }

  record(day: string, count: number): void {
    this.sql.exec("INSERT OR REPLACE INTO archive_days (day, count) VALUES (?, ?)", day, count);
  }

  all(): DayCount[] {
    return this.sql.exec<{ day: string; count: number }>("SELECT day, count FROM archive_days ORDER BY day").toArray();
  }
}
