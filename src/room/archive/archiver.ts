import { KEEP_LAST_ENTRIES } from "../../protocol/limits";
import { dayOf, dayStart, DAY_SECONDS, startOfDay } from "../../protocol/day";
import { ARCHIVE_CONTENT_TYPE, archiveKey, encodeDay } from "./format";
import type { ArchiveIndex } from "../storage/archive-days";
import type { CurrentLog } from "../storage/current-log";

/** The archiver runs this long after each UTC midnight. */
export const RUN_AFTER_MIDNIGHT_MS = 5_000;
/** After a failure, the archiver tries again this much later. */
export const RETRY_AFTER_MS = 60_000;

/** What the archiver needs of R2. */
export type ArchiveBucket = Pick<R2Bucket, "head" | "put" | "get">;

export interface ArchiveRun {
  /** Days written to R2 in this run. */
  written: string[];
  /** Days found already in R2 (written by an earlier, interrupted run) and recorded. */
  found: string[];
  /** Entries removed from the current log. */
  trimmed: number;
}

/** When the archiver should next run: just after the next UTC midnight. */
export function nextRunAt(nowMs: number): number {
  return (startOfDay(Math.floor(nowMs / 1000)) + DAY_SECONDS) * 1000 + RUN_AFTER_MIDNIGHT_MS;
}

/**
 * Writes every closed day of the current log that has no archive yet to R2,
 * then trims the log to today's entries, keeping the last KEEP_LAST_ENTRIES.
 *
 * What must stay true: an entry leaves the log only after its day's object is
 * confirmed in R2 and recorded in the index; an object already in R2 is never
 * rewritten. A failure part-way leaves the log whole for the days not yet
 * confirmed, and a later run picks up where this one stopped.
 */
export async function archiveClosedDays(room: string, nowMs: number, log: CurrentLog, index: ArchiveIndex, bucket: ArchiveBucket): Promise<ArchiveRun> {
  const today = startOfDay(Math.floor(nowMs / 1000));
  const closedDays = log
    .dayCounts()
    .map(({ dayNumber }) => dayNumber * DAY_SECONDS)
    .filter((start) => start < today)
    .map(dayOf);
  const run: ArchiveRun = { written: [], found: [], trimmed: 0 };

  for (const day of closedDays) {
    if (index.count(day) !== null) continue;
    const key = archiveKey(room, day);
    const existing = await bucket.head(key);
    if (existing !== null) {
      index.record(day, Number(existing.customMetadata?.["count"] ?? 0));
      run.found.push(day);
      continue;
    }
    const start = dayStart(day);
    const entries = log.between(start, start + DAY_SECONDS);
    await bucket.put(key, encodeDay(entries), {
      httpMetadata: { contentType: ARCHIVE_CONTENT_TYPE },
      customMetadata: { count: String(entries.length) },
    });
    index.record(day, entries.length);
    run.written.push(day);
  }

  for (const day of closedDays) {
    if (index.count(day) === null) continue;
    const start = dayStart(day);
    run.trimmed += log.trimBetween(start, start + DAY_SECONDS, KEEP_LAST_ENTRIES);
  }
  return run;
}
