import type { RoomContext } from "../context";

/**
 * The one publish path: after entries were appended past `from`, every held
 * comet request and every socket hears of them, each encoding made once.
 */
export function publish(room: RoomContext, from: number): void {
  const nc = room.chatters();
  room.longpoll.wake({
    end: room.log.end,
    nc,
    ver: room.ver,
    encodeSince: (pos, format) => room.news.encodeSince(pos, format),
  });
  room.sockets.broadcastEntries(room, from, nc);
}
