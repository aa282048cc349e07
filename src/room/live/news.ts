import { encodeContent, type CometFormat, type EncodedContent } from "../../protocol/comet-reply";
import type { RenderOptions } from "../../render/entries";
import type { CurrentLog } from "../storage/current-log";

/** Cached encodings are dropped past this many distinct (position, format) pairs. */
const MAX_CACHED = 256;

/**
 * What a client behind the end of the log has not seen, encoded once per
 * distinct (position, format) for as long as the end stays the same.
 */
export class NewsEncoder {
  private cacheEnd = -1;
  private readonly cache = new Map<string, EncodedContent>();
  /** How many encodings were made: a measure of the work a publish costs. */
  encodings = 0;

  constructor(
    private readonly log: Pick<CurrentLog, "end" | "since" | "at">,
    private readonly render: RenderOptions,
  ) {}

  /** The position of the log's newest entry. */
  get end(): number {
    return this.log.end;
  }

  /** Forgets every encoding: the log changed without growing (an entry was deleted). */
  invalidate(): void {
    this.cache.clear();
  }

  /**
   * The entries after `pos`; when `pos` is past the end (the client saw a
   * log that is gone), the whole current log, so the client starts afresh.
   */
  encodeSince(pos: number, format: CometFormat): EncodedContent {
    const end = this.log.end;
    if (end !== this.cacheEnd || this.cache.size >= MAX_CACHED) {
      this.cache.clear();
      this.cacheEnd = end;
    }
    const from = pos > end ? 0 : pos;
    const key = `${from}:${format}`;
    let content = this.cache.get(key);
    if (content === undefined) {
      const previous = format === "html" && from > 0 ? this.log.at(from) : null;
      content = encodeContent(format, this.log.since(from), previous, this.render);
      this.encodings++;
      this.cache.set(key, content);
    }
    return content;
  }
}
