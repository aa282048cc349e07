import type { RoomConfig } from "../../config";
import { dayOf, DAY_SECONDS } from "../../protocol/day";
import { closedPage } from "../../render/closed-page";
import type { ArchiveIndex } from "../storage/archive-days";
import type { CurrentLog } from "../storage/current-log";

export interface ClosedRoom {
  config: RoomConfig;
  log: Pick<CurrentLog, "dayCounts">;
  archiveIndex: Pick<ArchiveIndex, "before">;
}

/** The newest day with entries, in the current log or the archive (YYYY/MM/DD sorts as it reads). */
function lastDay(room: ClosedRoom): string | null {
  const logged = room.log.dayCounts().map(({ dayNumber }) => dayOf(dayNumber * DAY_SECONDS));
  const days = [...logged, room.archiveIndex.before(null).newest].filter((day): day is string => day !== null).sort();
  return days.at(-1) ?? null;
}

/** What a closed room answers for everything but its archives: 410, with a link to its last day. */
export function closedRoom(room: ClosedRoom, closedAt: number): Response {
  return closedPage(room.config, lastDay(room), closedAt);
}
