import { rssFeed } from "../../render/rss";
import type { RoomConfig } from "../../config";
import type { CurrentLog } from "../storage/current-log";

/** var/index.rdf: RSS of the current log, newest first, with absolute permalinks. */
export function feed(room: { config: RoomConfig; log: Pick<CurrentLog, "all"> }, url: URL): Response {
  const roomUrl = new URL(`/${room.config.name}/`, url).href;
  const entries = room.log.all().reverse();
  return new Response(rssFeed(room.config, roomUrl, entries).value, {
    headers: { "Content-Type": "application/rss+xml; charset=utf-8", "Cache-Control": "no-cache" },
  });
}
