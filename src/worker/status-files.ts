import { siteConfig } from "../config";
import { badgePage } from "../render/badge";
import type { StatusView } from "../render/status-files";
import type { RoomHandle } from "./rooms";
import { statusCache } from "./status-cache";

/** FNV-1a of the body: an ETag that changes whenever the bytes do. */
function etagOf(body: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < body.length; i++) {
    hash ^= body.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return `"${(hash >>> 0).toString(36)}-${body.length.toString(36)}"`;
}

function matches(ifNoneMatch: string | null, etag: string): boolean {
  if (ifNoneMatch === null) return false;
  return ifNoneMatch.split(",").some((tag) => {
    const t = tag.trim();
    return t === "*" || t === etag || t === `W/${etag}`;
  });
}

/**
 * The files outside pollers read (status.js, status.scm, seq, the badge),
 * answered by the Worker from a status fetched from the room at most once
 * per interval, with a matching Cache-Control, an ETag and 304s.
 */
export async function statusFile(request: Request, url: URL, env: Env, ctx: ExecutionContext, room: RoomHandle, view: StatusView): Promise<Response> {
  const ttl = siteConfig(env).statusCacheSeconds;
  const status = await statusCache.get(room, url.origin, ttl, ctx);
  const body = view.render(status, room.config, url.origin, Math.floor(Date.now() / 1000));
  const etag = etagOf(body);
  const headers: Record<string, string> = {
    "Content-Type": view.type,
    "Cache-Control": ttl > 0 ? `public, max-age=${ttl}` : "no-cache",
    ETag: etag,
  };
  if (view.cors) {
    headers["Access-Control-Allow-Origin"] = "*";
    headers["Access-Control-Expose-Headers"] = "ETag";
  }
  if (matches(request.headers.get("If-None-Match"), etag)) return new Response(null, { status: 304, headers });
  return new Response(body, { headers });
}

/** badge.html */
export function badgeHtml(url: URL, room: RoomHandle): Response {
  return new Response(badgePage(room.config, url.origin).value, {
    headers: { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "public, max-age=3600" },
  });
}
