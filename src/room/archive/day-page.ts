import { dayOf, DAY_SECONDS, monthOf, parseDay } from "../../protocol/day";
import { archiveDayPage } from "../../render/archive";
import { htmlResponse, notFoundPage } from "../../render/pages";
import { readDayEntries } from "./day-entries";
import type { ArchiveIndex, DayCount } from "../storage/archive-days";
import type { Clock } from "../../clock";
import type { RoomConfig } from "../../config";
import type { CurrentLog } from "../storage/current-log";
import { nextRunAt, type ArchiveBucket } from "./archiver";

export interface DayPageRoom {
  config: RoomConfig;
  clock: Clock;
  archiveIndex: ArchiveIndex;
  log: Pick<CurrentLog, "between" | "dayCounts">;
  /** The bucket of day archives (a function, so tests can swap it). */
  archive(): ArchiveBucket;
}

/**
 * A past day served from R2 never changes, but its page also shows the days
 * around it, which the next archiver run may change: cached until then.
 */
export function archivedCacheControl(nowMs: number, isPrivate = false): string {
  return `${isPrivate ? "private" : "public"}, max-age=${Math.max(60, Math.floor((nextRunAt(nowMs) - nowMs) / 1000))}`;
}

/** a/today and a/yesterday: redirects to the dated page. */
export function relativeDay(room: { clock: Clock }, url: URL, daysBack: number): Response {
  const day = dayOf(Math.floor(room.clock.now() / 1000) - daysBack * DAY_SECONDS);
  return new Response(null, { status: 302, headers: { Location: new URL(day, url).href, "Cache-Control": "no-cache" } });
}

/**
 * Every day that has entries, in the archive or still in the current log,
 * oldest first. An archived day counts as archived: the entries of it that
 * the log keeps are in its archive too.
 */
function daysWithEntries(index: ArchiveIndex, log: Pick<CurrentLog, "dayCounts">): DayCount[] {
  const days = new Map(index.all().map(({ day, count }) => [day, count]));
  for (const { dayNumber, count } of log.dayCounts()) {
    const day = dayOf(dayNumber * DAY_SECONDS);
    if (!days.has(day)) days.set(day, count);
  }
  return [...days].map(([day, count]) => ({ day, count })).sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
}

function neighbours(days: readonly DayCount[], day: string) {
  const before = days.filter((d) => d.day < day);
  const after = days.filter((d) => d.day > day);
  const month = monthOf(day);
  return {
    previousDay: before.at(-1)?.day ?? null,
    nextDay: after[0]?.day ?? null,
    monthDays: days.filter((d) => monthOf(d.day) === month),
    previousMonthDay: before.filter((d) => monthOf(d.day) < month).at(-1)?.day ?? null,
    nextMonthDay: after.find((d) => monthOf(d.day) > month)?.day ?? null,
  };
}

/**
 * a/YYYY/MM/DD: a day's entries, from its archive in R2 once it has one, else
 * from the current log, so that no day is missing between the two.
 */
export async function archiveDay(room: DayPageRoom, params: { y?: string; m?: string; d?: string }): Promise<Response> {
  const day = parseDay(params.y ?? "", params.m ?? "", params.d ?? "");
  if (day === null) return notFoundPage(room.config);
  // Everything read from SQLite is read before the first await.
  const days = daysWithEntries(room.archiveIndex, room.log);
  const { entries, fromArchive } = await readDayEntries(room, day);
  const page = archiveDayPage({ room: room.config, day, entries, ...neighbours(days, day) });
  return htmlResponse(page, 200, { "Cache-Control": fromArchive ? archivedCacheControl(room.clock.now(), room.config.private) : "no-cache" });
}
