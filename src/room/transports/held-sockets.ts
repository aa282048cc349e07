import { HttpError } from "../../http/errors";
import { HOLD_EXPIRED, HOLD_MS_HEADER, REPLY_TYPE_HEADER } from "../../protocol/comet-hold";
import { CONTENT_TYPES, writeReply, type CometFormat } from "../../protocol/comet-reply";
import type { LongPoll, Waiter } from "./longpoll";

/** The tag held comet requests' sockets are accepted with, apart from the page and API sockets. */
export const HELD_TAG = "comet";

/** What a held request's socket keeps across hibernation. */
interface HeldAttachment {
  cid: number;
  pos: number;
  format: CometFormat;
  /** This hold's own id: the events of an earlier hold of the same client id are not this one's. */
  id: string;
  /** Answered: the socket waits for the Worker to close it at the end of the hold time, and holds nothing. */
  answered?: true;
}

/** Sockets this instance answered: their events need nothing read. */
const answered = new WeakSet<WebSocket>();

/**
 * The room sends the reply; the Worker closes the socket when the hold time
 * has passed (docs/protocol.md, "How a held request waits"), so the
 * attachment says it is answered, for a room woken meanwhile.
 */
function waiterOf(socket: WebSocket, held: HeldAttachment): Waiter {
  return {
    ...held,
    answer(header, content) {
      try {
        answered.add(socket);
        socket.serializeAttachment({ ...held, answered: true } satisfies HeldAttachment);
        socket.send(writeReply(header, content));
      } catch {
        // The Worker went away: its close event forgets the hold.
      }
    },
  };
}

/** Whether the request came with the upgrade a hold on a socket answers: as the Worker asks (src/worker/comet-hold.ts). */
export function canHoldOnSocket(request: Request): boolean {
  return request.headers.get("Upgrade")?.toLowerCase() === "websocket";
}

/**
 * Holds a comet request as a hibernatable socket to the Worker that asked
 * (src/protocol/comet-hold.ts): the 101 tells the Worker how long to hold it
 * and how to label the reply.
 */
export function holdOnSocket(
  ctx: DurableObjectState,
  request: Request,
  held: Omit<HeldAttachment, "id">,
  holdMs: number,
): { response: Response; waiter: Waiter } {
  if (!canHoldOnSocket(request)) {
    throw new HttpError(426, "A held comet request comes through the Worker", { Upgrade: "websocket" });
  }
  const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
  ctx.acceptWebSocket(server, [HELD_TAG]);
  const attachment: HeldAttachment = { ...held, id: crypto.randomUUID() };
  server.serializeAttachment(attachment);
  const response = new Response(null, {
    status: 101,
    webSocket: client,
    headers: { [HOLD_MS_HEADER]: String(holdMs), [REPLY_TYPE_HEADER]: CONTENT_TYPES[held.format] },
  });
  return { response, waiter: waiterOf(server, attachment) };
}

/** How many requests the sockets hold, the answered ones that wait for their close aside. */
export function heldCount(ctx: DurableObjectState): number {
  return ctx.getWebSockets(HELD_TAG).filter((socket) => !(socket.deserializeAttachment() as HeldAttachment).answered).length;
}

/** The requests held when the room last slept, as waiters again. */
export function heldWaiters(ctx: DurableObjectState): Waiter[] {
  const waiters: Waiter[] = [];
  for (const socket of ctx.getWebSockets(HELD_TAG)) {
    if (socket.readyState !== WebSocket.OPEN) continue;
    const held = socket.deserializeAttachment() as HeldAttachment;
    if (held.answered) answered.add(socket);
    else waiters.push(waiterOf(socket, held));
  }
  return waiters;
}

/** The hold a socket carries; "answered" for one answered already; null for the page and API sockets. */
export function holdOf(ctx: DurableObjectState, socket: WebSocket): { cid: number; id: string } | "answered" | null {
  if (answered.has(socket)) return "answered";
  if (!ctx.getTags(socket).includes(HELD_TAG)) return null;
  const held = socket.deserializeAttachment() as HeldAttachment;
  return held.answered ? "answered" : { cid: held.cid, id: held.id };
}

/** A message on a held request's socket: the Worker's word that its hold time passed. False for the page and API sockets. */
export function heldSocketMessage(ctx: DurableObjectState, socket: WebSocket, message: string | ArrayBuffer, longpoll: Pick<LongPoll, "expire">): boolean {
  const hold = holdOf(ctx, socket);
  if (hold === null) return false;
  if (hold !== "answered" && message === HOLD_EXPIRED) longpoll.expire(hold.cid, hold.id);
  return true;
}

/**
 * A held request's socket closed: unanswered, the Worker went away and the hold is forgotten. The runtime
 * answers the close itself (compatibility dates from 2026-04-07). False for the page and API sockets.
 */
export function heldSocketClosed(ctx: DurableObjectState, socket: WebSocket, longpoll: Pick<LongPoll, "forget">): boolean {
  const hold = holdOf(ctx, socket);
  if (hold === null) return false;
  // Answered: the Worker closed it when the hold time had passed, and there is nothing to forget.
  if (hold !== "answered") longpoll.forget(hold.cid, hold.id);
  return true;
}
