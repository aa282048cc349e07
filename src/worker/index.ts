import { TEXT_TYPE } from "../protocol/content-types";
import { siteConfig } from "../config";
import { errorResponse, HttpError, methodNotAllowed } from "../http/errors";
import { MAX_URL_CHARS } from "../protocol/limits";
import { manifestResponse } from "../render/manifest";
import { frontPage, notFoundPage } from "../render/pages";
import { robotsTxt } from "../render/robots";
import { STATUS_VIEWS } from "../render/status-files";
import { adminRoute } from "./admin-route";
import { refuseDeclaredOversize, withBodyRead } from "./body-cap";
import { cometThroughRoom } from "./comet-hold";
import { crossSiteRefusal } from "./cross-site";
import { signIn } from "./guard";
import { passwordRoute } from "./password-route";
import { ROOM_ADMIN_PREFIX, roomAdminRoute } from "./room-admin-route";
import { allRooms, roomNamed, type RoomHandle } from "./rooms";
import { framingOf, withSecurityHeaders } from "./security-headers";
import { badgeHtml, statusFile } from "./status-files";
import { statusCache } from "./status-cache";

export { Room } from "../room/room";
export { Directory } from "../directory/directory";

/** The site's front page: every open room with its chatters and last post (none for private rooms). */
async function front(env: Env, ctx: ExecutionContext, origin: string): Promise<Response> {
  const site = siteConfig(env);
  const open = (await allRooms(env)).filter((room) => room.closedAt === null);
  const summaries = await Promise.all(
    open.map(async (room) => {
      const status = room.config.private ? null : await statusCache.get(room, origin, site.statusCacheSeconds, ctx).catch(() => null);
      return { room: room.config, status };
    }),
  );
  return frontPage(summaries, Math.floor(Date.now() / 1000));
}

/**
 * What every listener and poster asks for: long-poll, the socket upgrade, a
 * post. They go to the room as they came, with nothing looked at on the way
 * but what must be checked before the room (a private room's guard).
 */
const LIVE_PATHS: ReadonlySet<string> = new Set(["comet", "ws", "post"]);

async function live(request: Request, url: URL, room: RoomHandle, rest: string): Promise<Response> {
  if (room.config.private) {
    const signedIn = await signIn(request, room);
    if (signedIn instanceof Response) return signedIn;
  }
  // A comet request waits here, not in the room: the room sleeps meanwhile.
  if (rest === "comet" && request.method === "GET") return cometThroughRoom(room.stub, request);
  return room.stub.fetch(await withBodyRead(request, url));
}

/**
 * A path below /<room>/ (null for /<room> itself): the Worker answers the status files, badge page,
 * admin API and password page itself; everything else goes to the room's
 * object. The guard of a private room owns every path but the admin API's
 * (which has its own token), exactly `admin/<command>`.
 */
async function inRoom(request: Request, url: URL, env: Env, ctx: ExecutionContext, room: RoomHandle, rest: string | null): Promise<Response> {
  refuseDeclaredOversize(request, url, rest);
  if (rest !== null && LIVE_PATHS.has(rest)) return live(request, url, room, rest);
  const admin = rest === null ? null : /^admin\/([^/]+)$/.exec(rest);
  if (admin) return adminRoute(request, env, room, admin[1]!);
  // An incoming webhook's URL is its own credential, in a private room too.
  if (rest?.startsWith("hooks/")) return room.stub.fetch(await withBodyRead(request, url));
  let user: string | null = null;
  if (room.config.private) {
    const signedIn = await signIn(request, room);
    if (signedIn instanceof Response) return signedIn;
    user = signedIn.user;
  }
  // A closed room answers for itself: its archives, and a 410 for the rest.
  if (room.closedAt !== null && rest !== null) return room.stub.fetch(await withBodyRead(request, url));
  if (rest === null) {
    if (request.method !== "GET") return notFoundPage(null);
    return Response.redirect(new URL(`${url.pathname}/`, url).href, 301);
  }
  const view = STATUS_VIEWS[rest];
  if (view !== undefined) {
    if (request.method !== "GET") throw methodNotAllowed("GET");
    return statusFile(request, url, env, ctx, room, view);
  }
  if (rest === "manifest.webmanifest") {
    if (request.method !== "GET") throw methodNotAllowed("GET");
    return manifestResponse(room.config);
  }
  if (rest === "badge.html") {
    if (request.method !== "GET") throw methodNotAllowed("GET");
    return badgeHtml(url, room);
  }
  if (rest === "password") {
    if (user === null) return notFoundPage(room.config);
    if (request.method !== "GET" && request.method !== "POST") throw methodNotAllowed("GET, POST");
    return passwordRoute(request, room, user);
  }
  if (rest.startsWith("admin/")) return notFoundPage(room.config);
  return room.stub.fetch(await withBodyRead(request, url));
}

/** Every request: the URL parsed once, the room resolved once, then one lookup of the path. */
async function route(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
  if (request.url.length > MAX_URL_CHARS) throw new HttpError(414, `URL over ${MAX_URL_CHARS} characters`);
  const url = new URL(request.url);
  const crossSite = crossSiteRefusal(request, url, siteConfig(env).allowedOrigins);
  if (crossSite !== null) throw crossSite;
  const path = url.pathname;
  if (path === "/") {
    if (request.method !== "GET") throw methodNotAllowed("GET");
    return front(env, ctx, url.origin);
  }
  if (path === "/robots.txt" && request.method === "GET") {
    return new Response(robotsTxt((await allRooms(env)).map((room) => room.config.name)), {
      headers: { "Content-Type": TEXT_TYPE, "Cache-Control": "public, max-age=3600" },
    });
  }
  if (path === ROOM_ADMIN_PREFIX || path.startsWith(`${ROOM_ADMIN_PREFIX}/`)) return roomAdminRoute(request, env, path.slice(ROOM_ADMIN_PREFIX.length));
  const slash = path.indexOf("/", 1);
  // Room names need no escapes: an escaped spelling names no room.
  const room = await roomNamed(env, path.slice(1, slash < 0 ? undefined : slash));
  if (room === null) return notFoundPage(null);
  return inRoom(request, url, env, ctx, room, slash < 0 ? null : path.slice(slash + 1));
}

/** Every error becomes a response in one place. */
async function handle(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
  try {
    return await route(request, env, ctx);
  } catch (error) {
    return errorResponse(error);
  }
}

/**
 * HEAD is answered as GET without the body, except on comet, where a GET
 * would be held waiting for news.
 */
async function head(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
  if (new URL(request.url).pathname.endsWith("/comet")) return errorResponse(methodNotAllowed("GET"));
  const response = await handle(new Request(request, { method: "GET" }), env, ctx);
  return new Response(null, response);
}

export default {
  fetch: async (request, env, ctx) =>
    withSecurityHeaders(await (request.method === "HEAD" ? head(request, env, ctx) : handle(request, env, ctx)), () => framingOf(request.url, env)),
} satisfies ExportedHandler<Env>;
