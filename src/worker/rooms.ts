import { ROOM_NAME, siteConfig, type RoomConfig } from "../config";
import { HttpError } from "../http/errors";
import { directoryCache } from "./directory-cache";

/** A room as the Worker reaches it: its configuration and the stub of its Durable Object, resolved once per request. */
export interface RoomHandle {
  config: RoomConfig;
  stub: Env["ROOM"] extends DurableObjectNamespace<infer R> ? DurableObjectStub<R> : never;
  /** When an administrator closed the room (ms), or null: it is open (every room of wrangler.toml is). */
  closedAt: number | null;
}

function handle(env: Env, config: RoomConfig, closedAt: number | null): RoomHandle {
  return { config, stub: env.ROOM.getByName(config.name), closedAt };
}

/**
 * The room named `name`, or null when there is none: a room of wrangler.toml
 * (found without asking anyone), else one of the room directory, as this
 * isolate's cache of it has it (src/worker/directory-cache.ts).
 */
export async function roomNamed(env: Env, name: string): Promise<RoomHandle | null> {
  const site = siteConfig(env);
  const declared = site.rooms.get(name);
  if (declared !== undefined) return handle(env, declared, null);
  // A room whose settings cannot be used (a var edited past the build's check) is the only one down.
  const refused = site.refusedRooms.get(name);
  if (refused !== undefined) throw new HttpError(503, `This room cannot open until its settings are mended: ${refused}`);
  if (!ROOM_NAME.test(name)) return null;
  const rooms = await directoryCache.rooms(env).catch(() => {
    throw new HttpError(503, "The room directory cannot be reached; try again", { "Retry-After": "5" });
  });
  const listed = rooms.get(name);
  return listed === undefined ? null : handle(env, listed.config, listed.closedAt);
}

/** Every room: those of wrangler.toml first, then the directory's in the order they were made, closed ones included. */
export async function allRooms(env: Env): Promise<RoomHandle[]> {
  const declared = [...siteConfig(env).rooms.values()].map((config) => handle(env, config, null));
  const listed = await directoryCache.rooms(env).catch(() => new Map());
  return [...declared, ...[...listed.values()].map((room) => handle(env, room.config, room.closedAt))];
}
