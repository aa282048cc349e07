/**
 * What a Chaton room sends and accepts on the wire: one definition for the
 * server, the room page's script and this package. Types only, apart from
 * the one pattern both sides check a post's id against.
 */

/** An entry on the wire: [nick, [sec, usec], text], as in comet replies with s=0. */
export type WireEntry = [nick: string, time: [sec: number, usec: number], text: string];

/** A comet reply with s=0: the entries after the client's `p` (none in a ping). */
export interface CometJsonReply {
  pos: number;
  nc: number;
  ver: string;
  /** -1 when the session expired (strict login). */
  cid: number;
  content: WireEntry[];
}

/** A comet reply without `s`: JSON whose content is rendered entries. */
export interface CometHtmlReply {
  pos: number;
  nc: number;
  ver: string;
  /** -1 when the session expired (strict login). */
  cid: number;
  content: string;
}

/** apilogin's reply with s=0 (with s=1 the same keys as an association list). */
export interface ApiLoginReply {
  "post-uri": string;
  "comet-uri": string;
  "icon-uri": string;
  "room-name": string;
  cid: number;
  pos: number;
}

/** The poster's answer to a request that accepts JSON. */
/** An author may delete their own post, with the secret its acknowledgement gave, for this long after posting (POST <room>/delete). */
export const OWN_DELETE_WINDOW_MS = 10 * 60_000;

export interface PostAck {
  stored: boolean;
  pos: number;
  /** A stored post's permalink and the secret that lets its author delete it (POST <room>/delete) for 10 minutes. */
  permalink?: string;
  secret?: string;
}

/**
 * A post's id, made by the client: the room stores a post whose (nick, msgid)
 * it saw in the last minutes only once, and answers a repeat as the first.
 */
export const MAX_MSGID_CHARS = 64;
export const MSGID_PATTERN = new RegExp(`^[A-Za-z0-9_.:-]{1,${MAX_MSGID_CHARS}}$`);
/** The rule MSGID_PATTERN checks, as refusals say it. */
export const MSGID_RULE = `msgid must be 1 to ${MAX_MSGID_CHARS} of A-Z a-z 0-9 _ . : -`;

/**
 * What a socket asks to be sent of new entries, with `frames` in its URL
 * (`ws?p=<pos>&frames=html`): the rendered HTML (the room page) or the
 * entries (API clients and bots). A socket that gives no `frames` gets both.
 */
export type SocketFrames = "html" | "entries";

/** The parts of an entries frame a socket gets: the one it asked for, both when it asked for neither ("both"). */
export type EntriesParts<F extends SocketFrames | "both"> = F extends "html"
  ? { html: string }
  : F extends "entries"
    ? { entries: WireEntry[] }
    : { entries: WireEntry[]; html: string };

/** Entries after the socket's position; `reset`: the client's position was past the end, so this is the whole log. */
export type EntriesFrame<F extends SocketFrames | "both" = "both"> = { type: "entries"; pos: number; nc: number; reset: boolean } & EntriesParts<F>;

/** What the server sends on a room's WebSocket; `F` is what the socket asked for with `frames` ("both": nothing). */
export type ServerFrame<F extends SocketFrames | "both" = "both"> =
  | { type: "hello"; cid: number; ver: string; nc: number; pos: number }
  | EntriesFrame<F>
  | { type: "presence"; nc: number }
  /** An entry was deleted by a moderator: remove the element with this id. */
  | { type: "deleted"; anchor: string }
  /** The room spreads over relays: connect again at once, from the position reached (a relay takes the socket); the room then closes this one with 1012. */
  | { type: "moving" }
  /** A stored post's ack carries its permalink and delete secret, as the poster's does. */
  | { type: "ack"; id: string | null; stored: boolean; pos: number; permalink?: string; secret?: string }
  | { type: "error"; code: SocketErrorCode; message: string; id: string | null; retryAfter?: number };

/** What a client may send on a room's WebSocket (besides the text "ping", answered "pong"). */
export type ClientFrame = { type: "post"; id?: string; msgid?: string; nick: string; text: string };

/** The close code that follows a `moving` frame: the room spread over relays, and a relay takes the socket when it connects again. */
export const CLOSE_MOVING = 1012;

export type SocketErrorCode = "bad-frame" | "unknown-type" | "bad-post" | "rate-limited" | "unavailable";

/** One result of `GET <room>/search?q=…&format=json`. */
export interface SearchResult {
  nick: string;
  time: [sec: number, usec: number];
  text: string;
  permalink: string;
}

/** A page of search results; `next` is the cursor of the next page (`&cursor=`), null on the last. */
export interface SearchReply {
  q: string;
  results: SearchResult[];
  next: string | null;
}
