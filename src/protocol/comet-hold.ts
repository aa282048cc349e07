/**
 * How a held comet request waits outside its room (src/worker/comet-hold.ts,
 * src/room/transports/longpoll.ts). The Worker asks the room with a WebSocket
 * upgrade; a room with news answers at once, as ever. A room that would hold
 * the request accepts the upgrade as a hibernatable socket instead and sends
 * the whole reply over it when news comes; the Worker keeps the client's
 * request meanwhile (waiting costs a Worker nothing) and, once the hold time
 * has passed, asks the room for its ping with one message. So an idle room
 * holds no request and sleeps.
 */

/** The 101's header: how long the Worker holds the request before it asks for the ping (ms). */
export const HOLD_MS_HEADER = "X-Chaton-Hold-Ms";
/** The 101's header: the reply's Content-Type, for the Worker to answer with. */
export const REPLY_TYPE_HEADER = "X-Chaton-Reply-Type";
/** The Worker's one message: the hold time has passed; answer with a ping. */
export const HOLD_EXPIRED = "expired";
