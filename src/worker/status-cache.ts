import { fetchRoomStatus, type RoomStatus } from "../protocol/status";

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

  get(env: Env, room: string, origin: string, ttlSeconds: number, ctx?: ExecutionContext): Promise<RoomStatus> {
    const now = this.now();
    const held = this.memo.get(room);
    if (held !== undefined && held.expires > now) return held.status;
    const status = this.load(env, room, origin, ttlSeconds, ctx);
    this.memo.set(room, { status, expires: now + ttlSeconds * 1000 });
    status.catch(() => {
      if (this.memo.get(room)?.status === status) this.memo.delete(room);
    });
    return status;
  }

  private async load(env: Env, room: string, origin: string, ttlSeconds: number, ctx?: ExecutionContext): Promise<RoomStatus> {
    const cache = typeof caches !== "undefined" && ttlSeconds > 0 ? caches.default : null;
    const key = cacheKey(origin, room);
    const cached = await cache?.match(key);
    if (cached) return (await cached.json()) as RoomStatus;
    const status = await fetchRoomStatus(env, room, origin);
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
