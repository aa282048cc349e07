import type { Clock } from "../../clock";
import type { RoomConfig } from "../../config";
import { jsonResponse } from "../../http/responses";
import { parseDay } from "../../protocol/day";
import { notFoundPage } from "../../render/pages";
import { archivedCacheControl } from "./day-page";
import { readDayEntries, type DayRoom } from "./day-entries";

/**
 * a/YYYY/MM/DD.json: a day's entries for programs, as the comet's JSON carries
 * them ([nick, [sec, usec], text], never the address), in the order of the
 * day's page. A private room's guard covers it as every other path.
 */
export async function dayJson(room: DayRoom & { config: RoomConfig; clock: Clock }, params: { y?: string; m?: string; d?: string }): Promise<Response> {
  const day = parseDay(params.y ?? "", params.m ?? "", params.d ?? "");
  if (day === null) return notFoundPage(room.config);
  const { entries, fromArchive } = await readDayEntries(room, day);
  const cache = fromArchive ? archivedCacheControl(room.clock.now(), room.config.private) : "no-cache";
  return jsonResponse(
    { room: room.config.name, day, entries: entries.map((e) => [e.nick, [e.sec, e.usec], e.text]) },
    { "Cache-Control": cache, ...(room.config.private ? {} : { "Access-Control-Allow-Origin": "*" }) },
  );
}
