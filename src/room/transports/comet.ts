import { HttpError } from "../../http/errors";
import { integerParam } from "../../http/params";
import {
  CONTENT_TYPES,
  emptyContent,
  writeReply,
  type CometFormat,
  type EncodedContent,
  type ReplyHeader,
} from "../../protocol/comet-reply";
import type { RoomContext } from "../context";

export function cometFormat(s: string | null): CometFormat {
  if (s === null) return "html";
  if (s === "1") return "sexpr";
  if (s === "0") return "json";
  throw new HttpError(400, "Parameter s must be 0 or 1");
}

function cometResponse(header: ReplyHeader, content: EncodedContent): Response {
  return new Response(writeReply(header, content), {
    headers: { "Content-Type": CONTENT_TYPES[content.format], "Cache-Control": "no-cache" },
  });
}

/** A fresh client id, or 503 when the room cannot give one. */
function issueCid(room: RoomContext): number {
  const cid = room.clients.issue();
  if (cid === null) throw new HttpError(503, "No client id available", { "Retry-After": "10" });
  room.sockets.presenceChanged(room);
  return cid;
}

/**
 * GET comet: answers at once when the client is behind the log or its client
 * id must change, else holds the request until news or the hold time passes.
 */
export function comet(room: RoomContext, url: URL): Response | Promise<Response> {
  const params = url.searchParams;
  const format = cometFormat(params.get("s"));
  const p = integerParam(params, "p");
  const c = integerParam(params, "c");
  if (p === null && c !== null) {
    return Response.redirect(new URL(`/${room.config.name}/`, url).href, 303);
  }
  const pos = p ?? 0;
  if (pos < 0) throw new HttpError(400, "Parameter p must not be negative");
  const { clients, log, longpoll, ver } = room;
  const ping = (cid: number, at = pos) => cometResponse({ pos: at, nc: room.chatters(), ver, cid }, emptyContent(format));
  /** Answers at once: the entries after `pos` when there are any, else a ping. */
  const now = (cid: number) =>
    pos === log.end ? ping(cid) : cometResponse({ pos: log.end, nc: room.chatters(), ver, cid }, room.news.encodeSince(pos, format));

  // A replaced client id is answered at once with the news it asked for, so a
  // client that came back late (a busy room, a restarted server) loses no round trip.
  if (c === null || !clients.isKnown(c)) {
    if (room.config.login === "strict") return ping(-1, 0);
    return now(issueCid(room));
  }
  if (clients.isWaiting(c)) {
    const fresh = issueCid(room);
    longpoll.release(c, (abandoned) => ({ pos: abandoned.pos, nc: room.chatters(), ver, cid: c }));
    return now(fresh);
  }
  if (pos !== log.end) return now(c);
  clients.startWaiting(c);
  return new Promise<Response>((resolve) => {
    longpoll.hold(
      { cid: c, pos, format, answer: (header, content) => resolve(cometResponse(header, content)) },
      () => ({ pos, nc: room.chatters(), ver, cid: c }),
    );
  });
}
