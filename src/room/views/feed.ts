import { rssFeed } from "../../render/rss";
import type { RoomContext } from "../context";

/** var/index.rdf: RSS of the current log, newest first, with absolute permalinks. */
export function feed(room: RoomContext, request: Request): Response {
  const roomUrl = new URL(`/${room.config.name}/`, request.url).href;
  const entries = room.log.all().reverse();
  return new Response(rssFeed(room.config, roomUrl, entries).value, {
    headers: { "Content-Type": "application/rss+xml; charset=utf-8", "Cache-Control": "no-cache" },
  });
}
