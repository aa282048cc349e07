import { jsonResponse } from "../../http/responses";
import type { RoomStatus } from "../../protocol/status";
import { STATUS_VIEWS } from "../../render/status-files";
import type { RoomContext } from "../context";

/** The room's status as outside pollers read it. */
export function roomStatus(room: RoomContext): RoomStatus {
  return {
    "last-post": room.log.lastPost,
    "num-chatters": room.chatters(),
    "post-sequence": room.log.end,
  };
}

const NO_CACHE = { "Cache-Control": "no-cache" };

/**
 * var/status.js, status.scm and seq straight from the room, uncached: what the
 * Worker's status cache asks for (clients get the Worker's cached copies).
 */
export function statusFile(room: RoomContext, request: Request, name: "var/status.js" | "var/status.scm" | "var/seq"): Response {
  const view = STATUS_VIEWS[name]!;
  const body = view.render(roomStatus(room), room.config, new URL(request.url).origin, Math.floor(room.clock.now() / 1000));
  return new Response(body, { headers: { ...NO_CACHE, "Content-Type": view.type } });
}

/** var/stats: counters for operators and benchmarks (no user data). */
export function stats(room: RoomContext, requestsServed: number): Response {
  return jsonResponse({
    "requests-served": requestsServed,
    "comet-waiting": room.longpoll.size,
    sockets: room.sockets.count,
    chatters: room.chatters(),
    encodings: room.news.encodings,
    "post-sequence": room.log.end,
  });
}
