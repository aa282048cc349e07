import { HttpError } from "../../http/errors";
import { permalink } from "../../protocol/entry";
import { parseQuery, QueryError, type SearchQuery } from "../../protocol/search-query";
import { htmlResponse } from "../../render/pages";
import { indexingNote, searchPage } from "../../render/search";
import type { RoomConfig } from "../../config";
import { jsonResponse } from "../../http/responses";
import type { RoomSearch } from "./room-search";
import { decodeCursor, encodeCursor } from "./entry-id";

/** Whether the client asked for JSON: ?format=json, or Accept: application/json without a format. */
function wantsJson(params: URLSearchParams, request: Request): boolean {
  const format = params.get("format");
  if (format !== null && format !== "json" && format !== "html") throw new HttpError(400, "format is json or html");
  return format === "json" || (format === null && (request.headers.get("Accept") ?? "").includes("application/json"));
}

/**
 * GET search?q=...[&cursor=...][&format=json]: the matches of a query, newest
 * first, a page at a time (keyset: the cursor is the position of the last
 * entry shown). The page shows the search box, and the reason when the query
 * cannot be parsed (400); JSON clients get the reason as a plain 400.
 */
export function searchRoute(room: { config: RoomConfig; search: RoomSearch }, request: Request, url: URL): Response {
  const params = url.searchParams;
  const json = wantsJson(params, request);
  const q = params.get("q") ?? "";
  const cursor = params.get("cursor");
  const before = cursor === null ? null : decodeCursor(cursor);
  if (cursor !== null && before === null) throw new HttpError(400, "Bad cursor: pass the next value of the previous page as it is");
  const roomPath = `/${room.config.name}/`;
  const progress = room.search.backfill.progress();
  const headers = { "Cache-Control": "no-store" };

  if (!json && q.trim() === "")
    return htmlResponse(searchPage({ room: room.config, q, query: null, hits: [], nextHref: null, progress, error: null }), 200, headers);
  let query: SearchQuery;
  try {
    query = parseQuery(q);
  } catch (error) {
    if (!(error instanceof QueryError)) throw error;
    if (json) throw new HttpError(400, error.message);
    return htmlResponse(searchPage({ room: room.config, q, query: null, hits: [], nextHref: null, progress, error: error.message }), 400, headers);
  }

  const page = room.search.find(query, before);
  const next = page.next === null ? null : encodeCursor(page.next);
  if (json) {
    return jsonResponse(
      {
        q,
        results: page.hits.map((hit) => ({
          nick: hit.nick,
          time: [hit.sec, hit.usec],
          text: hit.text,
          permalink: new URL(roomPath + permalink(hit), url).href,
        })),
        next,
        ...(progress === null ? {} : { indexing: { ...progress, note: indexingNote(progress) } }),
      },
      headers,
    );
  }
  const nextHref = next === null ? null : `${roomPath}search?${new URLSearchParams({ q, cursor: next })}`;
  return htmlResponse(searchPage({ room: room.config, q, query, hits: page.hits, nextHref, progress, error: null }), 200, headers);
}
