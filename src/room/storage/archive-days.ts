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

  /** The first archived day on or after `day`. */
  firstFrom(day: string): string | null {
    return this.sql.exec<{ day: string }>("SELECT day FROM archive_days WHERE day >= ? ORDER BY day LIMIT 1", day).toArray()[0]?.day ?? null;
  }

  /** How many days are archived before `day` (all of them when null), and the newest of those. */
  before(day: string | null): { count: number; newest: string | null } {
    const row = this.sql
      .exec<{ n: number; newest: string | null }>(
        `SELECT count(*) AS n, max(day) AS newest FROM archive_days${day === null ? "" : " WHERE day < ?"}`,
        ...(day === null ? [] : [day]),
      )
      .one();
    return { count: row.n, newest: row.newest };
  }

  all(): DayCount[] {
    return this.sql.exec<{ day: string; count: number }>("SELECT day, count FROM archive_days ORDER BY day").toArray();
  }
}
