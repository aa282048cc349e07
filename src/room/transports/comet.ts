import { HttpError } from "../../http/errors";
import { integerParam } from "../../http/params";
import { dataResponse } from "../../http/responses";
import { CONTENT_TYPES, emptyContent, writeReply, type CometFormat, type EncodedContent, type ReplyHeader } from "../../protocol/comet-reply";
import type { RoomConfig } from "../../config";
import { issueCid, type CidIssuer } from "../live/clients";
import type { NewsEncoder } from "../live/news";
import type { Pace } from "../live/pace";
import type { RelayHub } from "../live/relays";
import { heldWaiters, holdOnSocket } from "./held-sockets";
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
  relays: Pick<RelayHub, "handOff" | "cometReturned">;
}

function cometFormat(s: string | null): CometFormat {
  if (s === null) return "html";
  if (s === "1") return "sexpr";
  if (s === "0") return "json";
  throw new HttpError(400, "Parameter s must be 0 or 1");
}

/** A comet reply, with the headers every response leaves with (so the Worker need not copy it to add them). */
export function cometResponse(header: ReplyHeader, content: EncodedContent): Response {
  return dataResponse(writeReply(header, content), CONTENT_TYPES[content.format]);
}

/** Holds made inside the room by this isolate: each hold's own id. */
let holdsInRoom = 0;

/**
 * Holds a comet request inside the room, as a request the room answers when
 * news comes, or with a ping when the hold time has passed (a timer of the
 * room's, which only a room that is talking has).
 */
function holdInRoom(
  held: Pick<Waiter, "cid" | "pos" | "format">,
  holdMs: number,
  expire: (cid: number, id: string) => void,
): { response: Promise<Response>; waiter: Waiter } {
  const id = `in-room ${++holdsInRoom}`;
  let answer!: (response: Response) => void;
  const response = new Promise<Response>((resolve) => {
    answer = resolve;
  });
  const timer = setTimeout(() => expire(held.cid, id), holdMs);
  const waiter: Waiter = {
    ...held,
    id,
    answer(header, content) {
      clearTimeout(timer);
      answer(cometResponse(header, content));
    },
  };
  return { response, waiter };
}

/**
 * GET comet: answers at once when the client is behind the log or its client
 * id must change, else holds the request until news or the hold time passes:
 * in a room that is talking (live/pace.ts), inside the room; else on a
 * socket to the Worker that waits with it (src/protocol/comet-hold.ts), so
 * that the room can sleep. The client sees the same either way.
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
  const { response, waiter } = room.pace.talking()
    ? holdInRoom(held, room.holdMs, (cid, id) => longpoll.expire(cid, id))
    : holdOnSocket(room.ctx, request, held, room.holdMs);
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
