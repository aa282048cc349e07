import { dayStart, DAY_SECONDS } from "../../protocol/day";
import type { Entry } from "../../protocol/entry";
import { archiveKey, decodeDay } from "../archive-format";
import type { RoomContext } from "../context";

/**
 * A day's entries: from its archive in R2 once it has one, else from the
 * current log (as the archive page reads them).
 */
export async function readDayEntries(room: Pick<RoomContext, "config" | "archiveIndex" | "log" | "archive">, day: string): Promise<{ entries: Entry[]; fromArchive: boolean }> {
  // Everything read from SQLite is read before the first await.
  const start = dayStart(day);
  const fromLog = room.log.between(start, start + DAY_SECONDS);
  if (room.archiveIndex.count(day) === null) return { entries: fromLog, fromArchive: false };
  const object = await room.archive().get(archiveKey(room.config.name, day));
  if (object === null) return { entries: fromLog, fromArchive: false };
  return { entries: decodeDay(await object.text()), fromArchive: true };
}
