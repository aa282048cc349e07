import { dayStart, DAY_SECONDS } from "../../protocol/day";
import type { Entry } from "../../protocol/entry";
import type { RoomConfig } from "../../config";
import type { ArchiveIndex } from "../storage/archive-days";
import type { CurrentLog } from "../storage/current-log";
import type { ArchiveBucket } from "./archiver";
import { archiveKey, decodeDay } from "./format";

export interface DayRoom {
  config: Pick<RoomConfig, "name">;
  archiveIndex: Pick<ArchiveIndex, "count">;
  log: Pick<CurrentLog, "between">;
  archive(): ArchiveBucket;
}

/**
 * A day's entries: from its archive in R2 once it has one, else from the
 * current log (as the archive page reads them).
 */
export async function readDayEntries(room: DayRoom, day: string): Promise<{ entries: Entry[]; fromArchive: boolean }> {
  // Everything read from SQLite is read before the first await.
  const start = dayStart(day);
  const fromLog = room.log.between(start, start + DAY_SECONDS);
  if (room.archiveIndex.count(day) === null) return { entries: fromLog, fromArchive: false };
  const object = await room.archive().get(archiveKey(room.config.name, day));
  if (object === null) return { entries: fromLog, fromArchive: false };
  return { entries: decodeDay(await object.text()), fromArchive: true };
}
