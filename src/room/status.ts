import { alist, writeSexpr } from "../protocol/sexpr";
import type { RoomContext } from "./context";

/** The room's status as outside pollers read it. */
export function roomStatus(room: RoomContext) {
  return {
    "last-post": room.log.lastPost,
    "num-chatters": room.chatters(),
    "post-sequence": room.log.end,
  };
}

const NO_CACHE = { "Cache-Control": "no-cache" };

export function statusJs(room: RoomContext): Response {
  return Response.json(roomStatus(room), { headers: NO_CACHE });
}

export function statusScm(room: RoomContext): Response {
  return new Response(writeSexpr(alist(Object.entries(roomStatus(room)))), {
    headers: { ...NO_CACHE, "Content-Type": "application/x-sexpr; charset=utf-8" },
  });
}

export function seq(room: RoomContext): Response {
  return new Response(String(room.log.end), { headers: { ...NO_CACHE, "Content-Type": "text/plain; charset=utf-8" } });
}

/** var/stats: counters for operators and benchmarks (no user data). */
export function stats(room: RoomContext, requestsServed: number): Response {
  return Response.json(
    {
      "requests-served": requestsServed,
      "comet-waiting": room.longpoll.size,
      sockets: room.sockets.count,
      chatters: room.chatters(),
      encodings: room.news.encodings,
      "post-sequence": room.log.end,
    },
    { headers: NO_CACHE },
  );
}
