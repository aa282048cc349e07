import { dayOf, DAY_SECONDS } from "../../protocol/day";
import type { CurrentLog } from "./current-log";

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

/**
 * Every day that has entries, in the archive or still in the current log,
 * oldest first. An archived day counts as archived: the entries of it that
 * the log keeps are in its archive too.
 */
export function daysWithEntries(index: ArchiveIndex, log: CurrentLog): DayCount[] {
  const days = new Map(index.all().map(({ day, count }) => [day, count]));
  for (const { dayNumber, count } of log.dayCounts()) {
    const day = dayOf(dayNumber * DAY_SECONDS);
    if (!days.has(day)) days.set(day, count);
  }
  return [...days].map(([day, count]) => ({ day, count })).sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
}
