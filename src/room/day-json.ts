import { parseDay } from "../protocol/day";
import { notFoundPage } from "../render/pages";
import { nextRunAt } from "./archiver";
import type { RoomContext } from "./context";
import { readDayEntries } from "./import/day-entries";

/**
 * a/YYYY/MM/DD.json: a day's entries for programs, as the comet's JSON carries
 * them ([nick, [sec, usec], text], never the address), in the order of the
 * day's page. A private room's guard covers it as every other path.
 */
export async function dayJson(room: RoomContext, params: { y?: string; m?: string; d?: string }): Promise<Response> {
  const day = parseDay(params.y ?? "", params.m ?? "", params.d ?? "");
  if (day === null) return notFoundPage(room.config);
  const { entries, fromArchive } = await readDayEntries(room, day);
  const now = room.clock.now();
  const cache = fromArchive ? `${room.config.private ? "private" : "public"}, max-age=${Math.max(60, Math.floor((nextRunAt(now) - now) / 1000))}` : "no-cache";
  return Response.json(
    { room: room.config.name, day, entries: entries.map((e) => [e.nick, [e.sec, e.usec], e.text]) },
    { headers: { "Cache-Control": cache, ...(room.config.private ? {} : { "Access-Control-Allow-Origin": "*" }) } },
  );
}
