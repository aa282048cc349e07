import type { CometFormat, EncodedContent } from "../../protocol/comet-reply";
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
 */
export class Fanout {
  constructor(
    private readonly listeners: readonly Listener[],
    private readonly news: NewsEncoder,
    private readonly chatters: () => number,
  ) {}

  /** Entries were appended after `from`. */
  entries(from: number): void {
    const news: News = {
      from,
      end: this.news.end,
      nc: this.chatters(),
      encodeSince: (pos, format) => this.news.encodeSince(pos, format),
    };
    for (const listener of this.listeners) listener.entries(news);
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
