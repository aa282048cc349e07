import { HttpError } from "../../http/errors";
import { integerParam } from "../../http/params";
import { emptyContent, type CometFormat } from "../../protocol/comet-reply";
import type { RoomConfig } from "../../config";
import { issueCid, type CidIssuer } from "../live/clients";
import type { NewsEncoder } from "../live/news";
import type { Pace } from "../live/pace";
import type { RelayHub } from "../live/relays";
import { cometResponse } from "./comet-response";
import { heldWaiters, holdOnSocket } from "./held-sockets";
import type { InRoomHolds } from "./in-room-holds";
import type { LongPoll, Waiter } from "./longpoll";

/** What the comet endpoint works with. */
export interface CometRoom extends CidIssuer {
  config: Pick<RoomConfig, "name" | "login">;
  ver: string;
  news: NewsEncoder;
  longpoll: LongPoll;
  ctx: DurableObjectState;
  holdMs: number;
  pace: Pick<Pace, "talking">;
  inRoom: Pick<InRoomHolds, "hold">;
  relays: Pick<RelayHub, "handOff" | "cometReturned">;
}

function cometFormat(s: string | null): CometFormat {
  if (s === null) return "html";
  if (s === "1") return "sexpr";
  if (s === "0") return "json";
  throw new HttpError(400, "Parameter s must be 0 or 1");
}

/**
 * GET comet: answers at once when the client is behind the log or its client
 * id must change, else holds the request until news or the hold time passes:
 * in a room that is talking (live/pace.ts), inside the room until it is
 * quiet (in-room-holds.ts); else on a socket to the Worker that waits with it
 * (src/protocol/comet-hold.ts), so that the room can sleep. The client sees
 * the same either way.
 */
export function comet(room: CometRoom, request: Request, url: URL, ip: string): Response | Promise<Response> {
  const params = url.searchParams;
  const format = cometFormat(params.get("s"));
  const p = integerParam(params, "p");
  const c = integerParam(params, "c");
  if (p === null && c !== null) {
    return Response.redirect(new URL(`/${room.config.name}/`, url).href, 303);
  }
  const pos = p ?? 0;
  if (pos < 0) throw new HttpError(400, "Parameter p must not be negative");
  const { clients, news, longpoll, ver } = room;
  const ping = (cid: number, at = pos) => cometResponse({ pos: at, nc: clients.count(), ver, cid }, emptyContent(format));
  /** Answers at once: the entries after `pos` when there are any, else a ping. */
  const now = (cid: number) => (pos === news.end ? ping(cid) : cometResponse({ pos: news.end, nc: clients.count(), ver, cid }, news.encodeSince(pos, format)));

  // Whatever comes of it, a hold a relay had for this client has ended: a client asks once at a time.
  if (c !== null) room.relays.cometReturned(c);
  // A replaced client id is answered at once with the news it asked for, so a
  // client that came back late (a busy room, a restarted server) loses no round trip.
  if (c === null || !clients.isKnown(c)) {
    if (room.config.login === "strict") return ping(-1, 0);
    return now(issueCid(room, ip));
  }
  if (clients.isWaiting(c)) {
    const fresh = issueCid(room, ip);
    longpoll.release(c, (abandoned) => ({ pos: abandoned.pos, nc: clients.count(), ver, cid: c }));
    return now(fresh);
  }
  if (pos !== news.end) return now(c);
  // Past the room's listeners_per_object, a relay holds it (live/relays.ts); the client counts as seen until the hold ends.
  const relayed = room.relays.handOff({ cid: c, pos, format, holdMs: room.holdMs });
  if (relayed !== null) {
    clients.waitsOnRelay(c, room.holdMs);
    return relayed;
  }
  const held = { cid: c, pos, format };
  const { response, waiter } = room.pace.talking() ? room.inRoom.hold(request, held, room.holdMs) : holdOnSocket(room.ctx, request, held, room.holdMs);
  wait(room, waiter);
  return response;
}

/** The client of `waiter` waits: the registry counts it, the publish path answers it. */
function wait(room: CometRoom, waiter: Waiter): void {
  const { clients, ver } = room;
  const { cid, pos } = waiter;
  clients.startWaiting(cid);
  room.longpoll.hold(waiter, () => ({ pos, nc: clients.count(), ver, cid }));
}

/** After a wake: the requests held while the room slept wait again. */
export function restoreHeld(room: CometRoom): void {
  for (const waiter of heldWaiters(room.ctx)) wait(room, waiter);
}
