/**
 * What an import sends, decided from the days read and the room's status:
 * each entry's position, which days are closed (to the archive) and which
 * open (to the current log), and which the room already has.
 */
import { dayOf } from "../../src/protocol/day";

/** As the room's archiver (KEEP_LAST_ENTRIES in src/room/archiver.ts): the current log keeps at least the last 30 entries. */
export const CURRENT_LOG_KEEPS = 30;

export interface DaySummary {
  day: string;
  /** Entries of the day (a refused day's readable ones: their positions stay reserved). */
  count: number;
  refused: boolean;
}

export interface ImportPlan {
  today: string;
  /** The position of each day's first entry (the next ones follow in order); 0 for archives-only. */
  firstSeq: Map<string, number>;
  /** The post sequence the room continues from: the original's, or the number of entries if that is more. */
  sequence: number;
  /** Closed days to write. */
  toSend: DaySummary[];
  /** Closed days the room already has, as many entries as here. */
  alreadyThere: DaySummary[];
  /** Days left out by --archives-only: on or after the room's first post, or open. */
  leftOut: { day: string; reason: string }[];
  /** Days on or after the room's today: into the current log. */
  openDays: DaySummary[];
  /** Days without an entry (the original's quiet days, with .cnt 0). */
  quiet: string[];
}

/**
 * Positions follow the original's order, day after day, and end at the
 * original's sequence (data/sequence), so the newest imported entry is at the
 * room's end and a new post continues from there. When the original counted
 * fewer posts than there are entries, they end at the number of entries.
 */
export function planImport(
  days: readonly DaySummary[],
  options: { now: number; sequence: number | null; archivesOnly: boolean; firstOwnDay: string | null; importedDays: ReadonlyMap<string, number> },
): ImportPlan {
  const today = dayOf(Math.floor(options.now / 1000));
  const total = days.reduce((sum, d) => sum + d.count, 0);
  const sequence = Math.max(options.sequence ?? total, total);
  const firstSeq = new Map<string, number>();
  let next = sequence - total + 1;
  for (const d of days) {
    firstSeq.set(d.day, options.archivesOnly ? 0 : next);
    next += d.count;
  }
  const plan: ImportPlan = { today, firstSeq, sequence, toSend: [], alreadyThere: [], leftOut: [], openDays: [], quiet: [] };
  for (const d of days) {
    if (d.refused) continue;
    if (d.count === 0) plan.quiet.push(d.day);
    else if (options.archivesOnly && options.firstOwnDay !== null && d.day >= options.firstOwnDay)
      plan.leftOut.push({ day: d.day, reason: `on or after the room's first post (${options.firstOwnDay})` });
    else if (d.day >= today) {
      if (options.archivesOnly) plan.leftOut.push({ day: d.day, reason: "not over yet: --archives-only adds closed days only" });
      else plan.openDays.push(d);
    } else if (options.importedDays.get(d.day) === d.count) plan.alreadyThere.push(d);
    else plan.toSend.push(d);
  }
  return plan;
}

/** Days in batches of about `maxEntries`, each day whole. */
export function batchDays<T extends { count: number }>(days: readonly T[], maxEntries: number): T[][] {
  const batches: T[][] = [];
  let batch: T[] = [];
  let size = 0;
  for (const day of days) {
    if (batch.length > 0 && size + day.count > maxEntries) {
      batches.push(batch);
      batch = [];
      size = 0;
    }
    batch.push(day);
    size += day.count;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}
