import type { RoomStatus } from "../protocol/status";
import { valueOf, type RoomHandle } from "./rooms";

interface Memo {
  status: Promise<RoomStatus>;
  expires: number;
}

/** A key on this site's own origin, so the Cache API holds one status per room. */
const cacheKey = (origin: string, room: string) => new Request(`${origin}/${room}/var/status.js?cached`);

/**
 * Room status for pollers, fetched from the room at most once per interval:
 * a per-isolate memo (which also merges concurrent misses into one request)
 * in front of the Cache API. The Cache API does nothing on *.workers.dev,
 * where the memo alone keeps the room from being woken by every poll.
 */
export class StatusCache {
  private readonly memo = new Map<string, Memo>();

  constructor(private readonly now: () => number = Date.now) {}

  get(room: RoomHandle, origin: string, ttlSeconds: number, ctx?: ExecutionContext): Promise<RoomStatus> {
    const now = this.now();
    const name = room.config.name;
    const held = this.memo.get(name);
    if (held !== undefined && held.expires > now) return held.status;
    const status = this.load(room, origin, ttlSeconds, ctx);
    this.memo.set(name, { status, expires: now + ttlSeconds * 1000 });
    status.catch(() => {
      if (this.memo.get(name)?.status === status) this.memo.delete(name);
    });
    return status;
  }

  private async load(room: RoomHandle, origin: string, ttlSeconds: number, ctx?: ExecutionContext): Promise<RoomStatus> {
    const cache = typeof caches !== "undefined" && ttlSeconds > 0 ? caches.default : null;
    const key = cacheKey(origin, room.config.name);
    const cached = await cache?.match(key);
    if (cached) return (await cached.json()) as RoomStatus;
    const status = await valueOf(room.stub.status(room.config.name));
    if (cache) {
      const stored = Response.json(status, { headers: { "Cache-Control": `public, max-age=${ttlSeconds}` } });
      const put = cache.put(key, stored);
      if (ctx) ctx.waitUntil(put);
      else await put;
    }
    return status;
  }
}

/** One per isolate. */
export const statusCache = new StatusCache();
