import { logEvent } from "../log";
import { parseRoom, roomTable, siteConfig } from "../config";
import { HttpError, methodNotAllowed } from "../http/errors";
import { readJson } from "../http/json-body";
import { jsonResponse } from "../http/responses";
import { DIRECTORY_NAME, type ListedRoom, type RoomListing } from "../protocol/directory";
import { MAX_ROOM_ADMIN_BYTES } from "../protocol/limits";
import { requireAdmin } from "./admin-route";
import { directoryCache } from "./directory-cache";
import { answerOf } from "../protocol/room-result";

/** The site's admin API lives here: no room name starts with "_". */
export const ROOM_ADMIN_PREFIX = "/_admin/rooms";

const NO_STORE = { "Cache-Control": "no-store" };

function listing(room: ListedRoom, source: RoomListing["source"]): RoomListing {
  const { settings } = room;
  return { name: settings.name, title: settings.title, source, private: settings.private, closedAt: room.closedAt, settings };
}

/**
 * Tells the room its new settings (or that it is closed). The directory has
 * them already; a room that missed this asks the directory when it starts,
 * but a running room only learns a change here, so a failure is reported
 * and the same command can be run again.
 */
async function tellRoom(env: Env, room: ListedRoom): Promise<void> {
  try {
    await answerOf(env.ROOM.getByName(room.settings.name).configure(parseRoom(room.settings), room.closedAt));
  } catch (error) {
    logEvent({ event: "room-not-told", room: room.settings.name, error: String(error) });
    throw new HttpError(503, `The directory has the change, but room ${room.settings.name} did not take it yet; run the command again`, { "Retry-After": "5" });
  }
}

/**
 * The room directory's admin API (token as for /<room>/admin/...):
 * GET /_admin/rooms lists every room; POST /_admin/rooms makes one (JSON, the
 * keys of wrangler.toml's [[vars.ROOMS]]); POST /_admin/rooms/<name> changes
 * the settings given; POST /_admin/rooms/<name>/close closes it.
 */
export async function roomAdminRoute(request: Request, env: Env, rest: string): Promise<Response> {
  await requireAdmin(request, env);
  const directory = env.DIRECTORY.getByName(DIRECTORY_NAME);
  const path = /^(?:\/([^/]+)(\/close)?)?$/.exec(rest);
  if (path === null) throw new HttpError(404, "No such admin command");
  const [, name, close] = path;
  const method = name === undefined ? "GET, POST" : "POST";
  if (!method.split(", ").includes(request.method)) throw methodNotAllowed(method);

  if (name === undefined && request.method === "GET") {
    const declared = [...siteConfig(env).rooms.values()].map((config) =>
      listing({ settings: roomTable(config), createdAt: 0, updatedAt: 0, closedAt: null }, "wrangler.toml"),
    );
    const listed = (await directory.list()).map((room) => listing(room as ListedRoom, "directory"));
    return jsonResponse({ rooms: [...declared, ...listed] }, NO_STORE);
  }
  let room: ListedRoom;
  if (name === undefined) {
    room = (await answerOf(directory.create(await readJson(request, MAX_ROOM_ADMIN_BYTES)))) as ListedRoom;
    directoryCache.forget();
    // A new room that misses this asks the directory on its first request.
    await tellRoom(env, room).catch(() => {});
  } else {
    const changed = close !== undefined ? directory.close(name) : directory.update(name, await readJson(request, MAX_ROOM_ADMIN_BYTES));
    room = (await answerOf(changed)) as ListedRoom;
    directoryCache.forget();
    await tellRoom(env, room);
  }
  return jsonResponse({ room: listing(room, "directory") }, NO_STORE, name === undefined ? 201 : 200);
}
