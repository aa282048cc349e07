/**
 * One connection to a room, whatever carries it. The client opens a link
 * from its position, hears what the link receives through a sink, and when
 * the link ends opens another after a delay. A transport makes links.
 */
import type { ChatonError } from "../errors.js";
import type { ClientFrame, WireEntry } from "../wire.js";

export type TransportName = "ws" | "comet";

/** Entries the server sent after `from`, up to its end `end`. */
export interface Batch {
  from: number;
  end: number;
  /** `from` was past the server's end: these entries are its whole current log. */
  reset: boolean;
  entries: WireEntry[];
  nc: number;
}

export interface LinkSink {
  /** The link is up: the server answered (the socket's hello, a comet login). */
  greeted(): void;
  batch(batch: Batch): void;
  presence(nc: number): void;
  /** A moderator deleted the entry with this anchor (sockets only). */
  deleted(anchor: string): void;
  /** The server stored the post with this frame id (or did not: stored false). */
  ack(id: string, stored: boolean, pos: number): void;
  /** The server refused the post with this frame id. */
  refused(id: string, error: ChatonError): void;
}

export interface Link {
  /** Sends a post over the link; false when the link does not carry posts or is not open. */
  send(frame: ClientFrame): boolean;
  /** Ends the link; `ended` settles soon after. */
  close(): void;
  /** Settles when the link has ended; never rejects. */
  readonly ended: Promise<LinkEnd>;
}

export interface LinkEnd {
  /** Whether the server ever answered on this link. */
  greeted: boolean;
  /** Why it ended, for the connection event. */
  reason: string;
  /** The room asked for a new connection at once (it moved the socket to a relay): no back-off, nothing lost. */
  moved?: boolean;
}

export interface Transport {
  readonly name: TransportName;
  /** Whether posts travel on the link (the socket) rather than through the poster. */
  readonly carriesPosts: boolean;
  open(pos: number, sink: LinkSink): Link;
}
