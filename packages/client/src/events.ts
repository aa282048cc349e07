/** What `room.events()` yields. */
import type { TransportName } from "./transports/link.js";

/** One chat entry, as the room stored it. */
export interface ChatEntry {
  nick: string;
  /** Unix seconds and microseconds, as on the wire. */
  time: [sec: number, usec: number];
  text: string;
  /**
   * The position just after this entry: `since: pos` resumes with what came
   * next. On Chaton for Workers it is the entry's sequence number, as a post's
   * acknowledgement gives it. null when the client cannot know it: on an
   * original Gauche server (positions there are byte offsets, known only at
   * the end of each reply) and, rarely, before a gap in the log.
   */
  pos: number | null;
  /** The entry's permalink: <room-url>a/YYYY/MM/DD#entry-<sec hex>-<usec hex> (UTC day). */
  permalink: string;
}

export type ConnectionState = "connecting" | "connected" | "lost";

export type ChatonEvent =
  | ({ type: "entry" } & ChatEntry)
  /** The number of chatters changed (long-poll clients and sockets together). */
  | { type: "presence"; nc: number }
  /**
   * The server sent its whole log again (the client's position was past its
   * end, e.g. its storage was replaced): what you had is gone; the entries
   * that follow are the room's whole current log.
   */
  | { type: "reset"; pos: number }
  /** A moderator deleted an entry (told over the WebSocket transport only). */
  | { type: "deleted"; permalink: string }
  /**
   * The connection changed: `connecting`, `connected`, or `lost` with the
   * delay before the next attempt and why. `transport` says which carries it.
   */
  | { type: "connection"; state: ConnectionState; transport: TransportName; retryInMs?: number; reason?: string };
