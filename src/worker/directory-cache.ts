import { logEvent } from "../log";
import { parseRoom, type RoomConfig } from "../config";
import { DIRECTORY_NAME, type ListedRoom } from "../protocol/directory";
import { DIRECTORY_CACHE_MS } from "../protocol/limits";

/** A room of the directory as the Worker uses it. */
export interface DirectoryRoom {
  config: RoomConfig;
  closedAt: number | null;
}

type Rooms = ReadonlyMap<string, DirectoryRoom>;

/**
 * The rooms made at run time, as this isolate read them from the directory
 * at most DIRECTORY_CACHE_MS ago (concurrent misses share one request). A
 * change made through this isolate is seen at once; through another, within
 * the interval. While the directory cannot be reached, the last list read is used.
 */
export class DirectoryCache {
  private held: { rooms: Promise<Rooms>; expires: number } | null = null;
  private lastRead: Rooms | null = null;

  constructor(private readonly now: () => number = Date.now) {}

  rooms(env: Env): Promise<Rooms> {
    const now = this.now();
    if (this.held !== null && this.held.expires > now) return this.held.rooms;
    const read: Promise<Rooms> = env.DIRECTORY.getByName(DIRECTORY_NAME)
      .list()
      .then(
        (list): Rooms => {
          const rooms = new Map(list.map((room: ListedRoom) => [room.settings.name, { config: parseRoom(room.settings), closedAt: room.closedAt }]));
          this.lastRead = rooms;
          return rooms;
        },
        (error) => {
          logEvent({ event: "directory-unreachable", error: String(error) });
          // The last list read serves until the interval ends; without one, the next request asks again.
          if (this.lastRead !== null) return this.lastRead;
          if (this.held?.rooms === read) this.held = null;
          throw error;
        },
      );
    this.held = { rooms: read, expires: now + DIRECTORY_CACHE_MS };
    return read;
  }

  /** Reads the directory again on the next request (after this isolate changed it). */
  forget(): void {
    this.held = null;
  }
}

/** One per isolate. */
export const directoryCache = new DirectoryCache();
