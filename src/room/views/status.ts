import { jsonResponse, NO_CACHE } from "../../http/responses";
import type { RoomStatus } from "../../protocol/status";
import { STATUS_VIEWS } from "../../render/status-files";
import type { Clock } from "../../clock";
import type { RoomConfig } from "../../config";
import type { ClientRegistry } from "../live/clients";
import type { NewsEncoder } from "../live/news";
import type { RelayHub } from "../live/relays";
import type { CurrentLog } from "../storage/current-log";
import type { LongPoll } from "../transports/longpoll";

interface StatusRoom {
  log: Pick<CurrentLog, "end" | "lastPost">;
  clients: ClientRegistry;
}

/** The room's status as outside pollers read it. */
export function roomStatus(room: StatusRoom): RoomStatus {
  return {
    "last-post": room.log.lastPost,
    "num-chatters": room.clients.count(),
    "post-sequence": room.log.end,
  };
}

/**
 * var/status.js, status.scm and seq straight from the room, uncached. The
 * Worker answers these paths itself from its cache (which asks the room by
 * RPC, `Room.status`), so only a request sent to the object itself (tests,
 * to read the room now) gets here.
 */
export function statusFile(room: StatusRoom & { config: RoomConfig; clock: Clock }, url: URL, name: "var/status.js" | "var/status.scm" | "var/seq"): Response {
  const view = STATUS_VIEWS[name]!;
  const body = view.render(roomStatus(room), room.config, url.origin, Math.floor(room.clock.now() / 1000));
  return new Response(body, { headers: { ...NO_CACHE, "Content-Type": view.type } });
}

/** var/stats: counters for operators and benchmarks (no user data). */
export function stats(room: StatusRoom & { longpoll: LongPoll; news: NewsEncoder; relays: Pick<RelayHub, "stats"> }, requestsServed: number): Response {
  return jsonResponse({
    "requests-served": requestsServed,
    "comet-waiting": room.longpoll.size,
    sockets: room.clients.sockets,
    chatters: room.clients.count(),
    encodings: room.news.encodings,
    "post-sequence": room.log.end,
    relays: room.relays.stats(),
  });
}
