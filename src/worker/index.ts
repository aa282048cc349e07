import { Router, type IRequest } from "itty-router";
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
import { throughRoom, type RelayByName } from "./relay-route";
import { signIn } from "./guard";
import { passwordRoute } from "./password-route";
import { ROOM_ADMIN_PREFIX, roomAdminRoute } from "./room-admin-route";
import { allRooms, roomNamed, type RoomHandle } from "./rooms";
import { framingOf, withSecurityHeaders } from "./security-headers";
import { badgeHtml, statusFile } from "./status-files";
import { statusCache } from "./status-cache";

export { Room } from "../room/room";
export { Directory } from "../directory/directory";
export { Relay } from "../relay/relay";

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

function relayByName(env: Env): RelayByName {
  return (name) => env.RELAY.getByName(name);
}

/** A request as the routes see it: its URL parsed once, before any route. */
interface SiteRequest extends IRequest {
  parsed: URL;
}

/** A request below /<room>: the room resolved once, the path after it, the signed-in user of a private room. */
interface RoomRequest extends SiteRequest {
  room: RoomHandle;
  /** The path after /<room>/; null for /<room> itself. */
  rest: string | null;
  user: string | null;
}

type Args = [Env, ExecutionContext];

/** Before every route: the URL's length, then the refusal of requests from other sites. */
function checkRequest(request: SiteRequest, env: Env): void {
  if (request.url.length > MAX_URL_CHARS) throw new HttpError(414, `URL over ${MAX_URL_CHARS} characters`);
  request.parsed = new URL(request.url);
  const crossSite = crossSiteRefusal(request, request.parsed, siteConfig(env).allowedOrigins);
  if (crossSite !== null) throw crossSite;
}

/** Before a room's routes: the room, or the 404 page; then the size cap on what the request declares. */
async function inRoom(request: RoomRequest, env: Env): Promise<Response | undefined> {
  const path = request.parsed.pathname;
  const slash = path.indexOf("/", 1);
  // Room names need no escapes: an escaped spelling names no room.
  const room = await roomNamed(env, path.slice(1, slash < 0 ? undefined : slash));
  if (room === null) return notFoundPage(null);
  request.room = room;
  request.rest = slash < 0 ? null : path.slice(slash + 1);
  request.user = null;
  refuseDeclaredOversize(request, request.parsed, request.rest);
  return undefined;
}

/** The guard of a private room: every path but the admin API's (its own token) and incoming webhooks' (their URL is their credential). */
async function privateGuard(request: RoomRequest): Promise<Response | undefined> {
  if (!request.room.config.private) return undefined;
  const signedIn = await signIn(request, request.room);
  if (signedIn instanceof Response) return signedIn;
  request.user = signedIn.user;
  return undefined;
}

/** To the room's object, as it came (its body read whole first, within the cap). */
async function toRoom(request: RoomRequest): Promise<Response> {
  return request.room.stub.fetch(await withBodyRead(request, request.parsed));
}

/** `handler` for GET only; 405 for anything else. */
const getOnly =
  (handler: (request: RoomRequest, env: Env, ctx: ExecutionContext) => Response | Promise<Response>) =>
  (request: RoomRequest, env: Env, ctx: ExecutionContext) => {
    if (request.method !== "GET") throw methodNotAllowed("GET");
    return handler(request, env, ctx);
  };

/**
 * Every request: the site's paths, the room directory's admin API, then a
 * room's: the Worker answers the status files, badge page, admin API and
 * password page itself; comet waits here, and it and posts skip the router (`hotRoomPath` below);
 * the rest goes to the room's object. Every error becomes a response in one place.
 */
const router = Router<SiteRequest, Args, Response>({ before: [checkRequest], catch: errorResponse });
router
  .get("/", (request, env, ctx) => front(env, ctx, request.parsed.origin))
  .all("/", () => errorResponse(methodNotAllowed("GET")))
  .get(
    "/robots.txt",
    async (_request, env) =>
      new Response(robotsTxt((await allRooms(env)).map((room) => room.config.name)), {
        headers: { "Content-Type": TEXT_TYPE, "Cache-Control": "public, max-age=3600" },
      }),
  )
  .all(`${ROOM_ADMIN_PREFIX}/*`, (request, env) => roomAdminRoute(request, env, request.parsed.pathname.slice(ROOM_ADMIN_PREFIX.length)))
  .all<RoomRequest, Args>("/:room/*", inRoom)
  .all<RoomRequest, Args>("/:room/admin/:command", (request, env) => adminRoute(request, env, request.room, request.params["command"]!))
  .all<RoomRequest, Args>("/:room/hooks/*", toRoom)
  .all<RoomRequest, Args>("/:room/*", privateGuard)
  .all<RoomRequest, Args>("/:room/*", (request) => {
    if (request.rest === null)
      return request.method === "GET" ? Response.redirect(new URL(`${request.parsed.pathname}/`, request.parsed).href, 301) : notFoundPage(null);
    // A closed room answers for itself: its archives, and a 410 for the rest.
    return request.room.closedAt !== null ? toRoom(request) : undefined;
  })
  .get<RoomRequest, Args>("/:room/ws", (request, env) => throughRoom(request.room.stub, relayByName(env), request))
  .all<RoomRequest, Args>("/:room/*", (request, env, ctx) => {
    const view = STATUS_VIEWS[request.rest!];
    return view === undefined ? undefined : getOnly((r) => statusFile(r, r.parsed, env, ctx, r.room, view))(request, env, ctx);
  })
  .all<RoomRequest, Args>(
    "/:room/manifest.webmanifest",
    getOnly((request) => manifestResponse(request.room.config)),
  )
  .all<RoomRequest, Args>(
    "/:room/badge.html",
    getOnly((request) => badgeHtml(request.parsed, request.room)),
  )
  .all<RoomRequest, Args>("/:room/password", (request) => {
    if (request.user === null) return notFoundPage(request.room.config);
    if (request.method !== "GET" && request.method !== "POST") throw methodNotAllowed("GET, POST");
    return passwordRoute(request, request.room, request.user);
  })
  .all<RoomRequest, Args>("/:room/admin/*", (request) => notFoundPage(request.room.config))
  .all<RoomRequest, Args>("/:room/*", toRoom)
  .all("*", () => notFoundPage(null));

/** GET /<room>/comet, which every waiting client asks again after each reply. */
const COMET_URL = /^[a-z]+:\/\/[^/]+\/[^/?#]+\/comet(?:[?#]|$)/;
/** POST /<room>/post, every post of the poster and of bots. */
const POST_URL = /^[a-z]+:\/\/[^/]+\/[^/?#]+\/post(?:[?#]|$)/;

/**
 * The requests made most often, comet and posts, skip the router's walk: the
 * checks of every room path, in the router's order (the URL and other sites,
 * the room, a private room's guard, a closed room answering for itself), then `onward`.
 */
async function hotRoomPath(request: RoomRequest, env: Env, onward: (request: RoomRequest) => Promise<Response>): Promise<Response> {
  checkRequest(request, env);
  const early = (await inRoom(request, env)) ?? (await privateGuard(request));
  if (early !== undefined) return early;
  if (request.room.closedAt !== null) return toRoom(request);
  return onward(request);
}

function handle(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
  const room = request as RoomRequest;
  if (request.method === "GET" && COMET_URL.test(request.url)) {
    // Comet waits here (src/worker/comet-hold.ts).
    return hotRoomPath(room, env, (r) => cometThroughRoom(r.room.stub, relayByName(env), r, (promise) => ctx.waitUntil(promise))).catch(errorResponse);
  }
  if (request.method === "POST" && POST_URL.test(request.url)) return hotRoomPath(room, env, toRoom).catch(errorResponse);
  return router.fetch(request as SiteRequest, env, ctx);
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
