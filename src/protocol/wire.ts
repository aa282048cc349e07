/** Message shapes shared by the server and the browser script. */

/** A comet reply without `s`: JSON whose content is rendered entries. */
export interface CometHtmlReply {
  pos: number;
  nc: number;
  ver: string;
  /** -1 when the session expired (strict login). */
  cid: number;
  content: string;
}

/**
 * The poster's answer to a request that accepts JSON. A stored post comes
 * with its permalink and the secret that lets its author delete it (POST delete).
 */
export interface PostAck {
  stored: boolean;
  pos: number;
  permalink?: string;
  secret?: string;
}

/** What the room page tells its script, as data attributes of its .room element. */
export interface RoomPageData {
  room: string;
  title: string;
  ver: string;
  pos: string;
  cid: string;
  nc: string;
  hold: string;
}

/** An entry on the wire: [nick, [sec, usec], text], as in comet replies with s=0. */
export type WireEntry = [nick: string, time: [sec: number, usec: number], text: string];

/** What the server sends on a room's WebSocket. */
export type ServerFrame =
  | { type: "hello"; cid: number; ver: string; nc: number; pos: number }
  /** Entries after the socket's position; `reset`: the client's position was past the end, so this is the whole log. */
  | { type: "entries"; pos: number; nc: number; reset: boolean; entries: WireEntry[]; html: string }
  | { type: "presence"; nc: number }
  /** An entry was deleted by a moderator or its author: remove the element with this id. */
  | { type: "deleted"; anchor: string }
  /** A stored post's ack carries its permalink and delete secret, as the poster's does. */
  | { type: "ack"; id: string | null; stored: boolean; pos: number; permalink?: string; secret?: string }
  | { type: "error"; code: SocketErrorCode; message: string; id: string | null; retryAfter?: number };

/** What a client may send on a room's WebSocket (besides the text "ping", answered "pong"). */
export type ClientFrame = { type: "post"; id?: string; nick: string; text: string };

export type SocketErrorCode = "bad-frame" | "unknown-type" | "bad-post" | "rate-limited";

/** Close codes the server uses. */
export const CLOSE_UNSUPPORTED_DATA = 1003;
export const CLOSE_POLICY_VIOLATION = 1008;
export const CLOSE_TOO_BIG = 1009;
