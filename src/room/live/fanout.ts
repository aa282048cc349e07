import type { CometFormat, EncodedContent } from "../../protocol/comet-reply";
import type { Entry } from "../../protocol/entry";
import type { NewsEncoder } from "./news";

/** What listeners hear of new entries: the range, the chatters, and the news, each encoding made once. */
export interface News {
  /** Entries after this position are new. */
  from: number;
  /** The room's end: the position of its newest entry. */
  end: number;
  nc: number;
  /** The entries after `pos`, encoded once per distinct (position, format) for this end. */
  encodeSince(pos: number, format: CometFormat): EncodedContent;
  /** The log's entries from `pos` on (the one at `pos` first), read once (the relays' batch). */
  rowsSince(pos: number): Entry[];
}

/** A transport's side of the one publish path: held long-poll requests, sockets. */
export interface Listener {
  entries(news: News): void;
  /** The entry with this anchor (its permalink's fragment) was deleted. */
  deleted(anchor: string, nc: number): void;
  /** The number of chatters may have changed. */
  presence(nc: number): void;
}

/**
 * The one publish path: new entries, deletions and presence go from here to
 * every listener, whatever made them (a post by HTTP or socket, a moderator,
 * the client registry).
 *
 * New entries reach listeners once their write is durable. Nothing leaves
 * the room before that in any case (the output gate holds every message sent
 * while a write is unconfirmed), but a message the gate holds costs the
 * runtime far more than one sent after the commit: held one by one, the
 * frames of a post to 500 sockets cost about a fifth of the room's CPU per
 * delivery (bench: ws against a floor that stores its posts). So the entries
 * of a write are told after `committed()` resolves, together with any stored
 * meanwhile; what a listener then receives, and when, is as before.
 */
export class Fanout {
  /** Entries after this position are stored and not yet told; null when all are. */
  private pendingFrom: number | null = null;
  private told: Promise<void> = Promise.resolve();

  constructor(
    private readonly listeners: readonly Listener[],
    private readonly news: NewsEncoder,
    private readonly chatters: () => number,
    /** Resolves once every write made so far is durable (the room's storage.sync()). */
    private readonly committed: () => Promise<void> = () => Promise.resolve(),
  ) {}

  /** Entries were appended after `from`: listeners hear of them once they are durable. */
  entries(from: number): void {
    if (this.pendingFrom !== null) {
      this.pendingFrom = Math.min(this.pendingFrom, from);
      return;
    }
    this.pendingFrom = from;
    this.told = this.committed().then(
      () => this.publish(),
      // A write that failed is not told; the runtime resets the object.
      () => {
        this.pendingFrom = null;
      },
    );
  }

  /**
   * Tells listeners now of entries stored and not yet told (sent now, the
   * output gate holds them until their commit): a socket that joins must get
   * them before its hello, not again after it.
   */
  publish(): void {
    const from = this.pendingFrom;
    if (from === null) return;
    this.pendingFrom = null;
    const news: News = {
      from,
      end: this.news.end,
      nc: this.chatters(),
      encodeSince: (pos, format) => this.news.encodeSince(pos, format),
      rowsSince: (pos) => this.news.rowsSince(pos),
    };
    for (const listener of this.listeners) listener.entries(news);
  }

  /** Resolves once the entries stored so far have been told. */
  published(): Promise<void> {
    return this.told;
  }

  deleted(anchor: string): void {
    this.news.invalidate();
    const nc = this.chatters();
    for (const listener of this.listeners) listener.deleted(anchor, nc);
  }

  presence(): void {
    const nc = this.chatters();
    for (const listener of this.listeners) listener.presence(nc);
  }
}
