import { Router, type IRequest } from "itty-router";
import { siteConfig } from "./config";
import { errorResponse, HttpError } from "./http/errors";
import { MAX_URL_CHARS } from "./protocol/limits";
import { manifestResponse } from "./render/manifest";
import { frontPage, notFoundPage } from "./render/pages";
import { adminRoute } from "./admin/routes";
import { guardPrivateRooms } from "./security/guard";
import { passwordRoute } from "./security/password-route";
import { badgeHtml, statusFile } from "./status/handlers";
import { statusCache } from "./status/status-cache";

type Args = [Env, ExecutionContext];

function rejectOverlongUrl(request: IRequest): void {
  if (request.url.length > MAX_URL_CHARS) throw new HttpError(414, `URL over ${MAX_URL_CHARS} characters`);
}

/** Forwards a request below /<room>/ to the room's Durable Object. */
function toRoom(request: IRequest, env: Env): Promise<Response> | Response {
  const room = siteConfig(env).rooms.get(request.params["room"]!);
  if (room === undefined) return notFoundPage(null);
  return env.ROOM.get(env.ROOM.idFromName(room.name)).fetch(request);
}

/** /<room> becomes /<room>/; itty-router also matches /<room>/ here, which goes to the room. */
function redirectToRoom(request: IRequest, env: Env): Promise<Response> | Response {
  const url = new URL(request.url);
  if (url.pathname.endsWith("/")) return toRoom(request, env);
  if (!siteConfig(env).rooms.has(request.params["room"]!)) return notFoundPage(null);
  return Response.redirect(new URL(`${url.pathname}/`, url).href, 301);
}

/** The Worker's routes: the front page, and every room's paths forwarded to its room. */
export const router = Router<IRequest, Args>({ before: [rejectOverlongUrl, guardPrivateRooms], catch: errorResponse })
  .get("/", async (req, env, ctx) => {
    const site = siteConfig(env);
    const origin = new URL(req.url).origin;
    const summaries = await Promise.all(
      [...site.rooms.values()].map(async (room) => ({
        room,
        // A private room shows no activity to those who are not signed in to it.
        status: room.private ? null : await statusCache.get(env, room.name, origin, site.statusCacheSeconds, ctx).catch(() => null),
      })),
    );
    return frontPage(summaries, Math.floor(Date.now() / 1000));
  })
  .all("/", () => {
    throw new HttpError(405, "Method not allowed; use GET", { Allow: "GET" });
  })
  .get("/:room", redirectToRoom)
  .get("/:room/var/status.js", statusFile)
  .get("/:room/var/status.scm", statusFile)
  .get("/:room/var/seq", statusFile)
  .get("/:room/b", statusFile)
  .get("/:room/badge.html", badgeHtml)
  .get("/:room/manifest.webmanifest", (req, env) => {
    const room = siteConfig(env).rooms.get(req.params["room"]!);
    return room ? manifestResponse(room) : notFoundPage(null);
  })
  .all("/:room/admin/:command", adminRoute)
  .get("/:room/password", passwordRoute)
  .post("/:room/password", passwordRoute)
  .all("/:room/*", toRoom)
  .all("*", () => notFoundPage(null));
