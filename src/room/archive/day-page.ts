import { dayOf, dayStart, DAY_SECONDS, monthOf, parseDay } from "../../protocol/day";
import type { Entry } from "../../protocol/entry";
import { archiveDayPage } from "../../render/archive";
import { htmlResponse, notFoundPage } from "../../render/pages";
import { archiveKey, decodeDay } from "./format";
import { daysWithEntries, type DayCount } from "../storage/archive-days";
import { nextRunAt } from "./archiver";
import type { RoomContext } from "../context";

/**
 * A past day served from R2 never changes, but its page also shows the days
 * around it, which the next archiver run may change: cached until then.
 */
function archivedCacheControl(nowMs: number): string {
  return `public, max-age=${Math.max(60, Math.floor((nextRunAt(nowMs) - nowMs) / 1000))}`;
}

/** a/today and a/yesterday: redirects to the dated page. */
export function relativeDay(room: RoomContext, request: Request, daysBack: number): Response {
  const day = dayOf(Math.floor(room.clock.now() / 1000) - daysBack * DAY_SECONDS);
  return new Response(null, { status: 302, headers: { Location: new URL(day, request.url).href, "Cache-Control": "no-cache" } });
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
export async function archiveDay(room: RoomContext, params: { y?: string; m?: string; d?: string }): Promise<Response> {
  const day = parseDay(params.y ?? "", params.m ?? "", params.d ?? "");
  if (day === null) return notFoundPage(room.config);
  // Everything read from SQLite is read before the first await.
  const days = daysWithEntries(room.archiveIndex, room.log);
  const archived = room.archiveIndex.count(day) !== null;
  const start = dayStart(day);
  let entries: Entry[] = room.log.between(start, start + DAY_SECONDS);
  let fromArchive = false;
  if (archived) {
    const object = await room.archive().get(archiveKey(room.config.name, day));
    if (object !== null) {
      entries = decodeDay(await object.text());
      fromArchive = true;
    }
  }
  const page = archiveDayPage({ room: room.config, day, entries, ...neighbours(days, day) });
  return htmlResponse(page, 200, { "Cache-Control": fromArchive ? archivedCacheControl(room.clock.now()) : "no-cache" });
}
