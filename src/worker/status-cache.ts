import type { RoomStatus } from "../protocol/status";
import { answerOf } from "../protocol/room-result";
import type { RoomHandle } from "./rooms";

interface Memo {
  status: Promise<RoomStatus>;
  expires: number;
}

/** When the cached status was fetched from the room (ms): the Cache API's own expiry is only to the second. */
const FETCHED_AT = "X-Chaton-Fetched-At";

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
    const loaded = this.load(room, origin, ttlSeconds, ctx);
    const memo: Memo = { status: loaded.then((l) => l.status), expires: now + ttlSeconds * 1000 };
    this.memo.set(name, memo);
    // A status found in the Cache API is as old as its fetch, not as its finding: the memo
    // keeps it only until the interval of that fetch ends, or it would serve it for two.
    loaded.then(
      ({ fetchedAt }) => {
        memo.expires = Math.min(memo.expires, fetchedAt + ttlSeconds * 1000);
      },
      () => {
        if (this.memo.get(name) === memo) this.memo.delete(name);
      },
    );
    return memo.status;
  }

  private async load(room: RoomHandle, origin: string, ttlSeconds: number, ctx?: ExecutionContext): Promise<{ status: RoomStatus; fetchedAt: number }> {
    const cache = typeof caches !== "undefined" && ttlSeconds > 0 ? caches.default : null;
    const key = cacheKey(origin, room.config.name);
    const cached = await cache?.match(key);
    if (cached) {
      const fetchedAt = Number(cached.headers.get(FETCHED_AT)) || 0;
      return { status: (await cached.json()) as RoomStatus, fetchedAt };
    }
    const fetchedAt = this.now();
    const status = await answerOf(room.stub.status(room.config.name));
    if (cache) {
      const stored = Response.json(status, { headers: { "Cache-Control": `public, max-age=${ttlSeconds}`, [FETCHED_AT]: String(fetchedAt) } });
      const put = cache.put(key, stored);
      if (ctx) ctx.waitUntil(put);
      else await put;
    }
    return { status, fetchedAt };
  }
}

/** One per isolate. */
export const statusCache = new StatusCache();
