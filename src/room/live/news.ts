import type { CometFormat, EncodedContent } from "../../protocol/comet-reply";
import type { Entry } from "../../protocol/entry";
import { writeItems } from "../../protocol/sexpr";
import { renderEntries, type RenderOptions } from "../../render/entries";
import type { CurrentLog } from "../storage/current-log";

/** The `content` of a reply in its format: the entries as data (JSON, S-expression) or rendered (HTML, continuing `previous`'s group). */
export function encodeContent(format: CometFormat, entries: readonly Entry[], previous: Entry | null, render: RenderOptions): EncodedContent {
  switch (format) {
    case "sexpr":
      return { format, text: writeItems(entries.map((e) => [e.nick, [e.sec, e.usec], e.text])) };
    case "json":
      return { format, text: JSON.stringify(entries.map((e) => [e.nick, [e.sec, e.usec], e.text])) };
    case "html":
      return { format, text: JSON.stringify(entries.length === 0 ? "" : renderEntries(entries, previous, render).value) };
  }
}

/** Cached encodings are dropped past this many distinct (position, format) pairs. */
const MAX_CACHED = 256;

/**
 * What a client behind the end of the log has not seen, encoded once per
 * distinct (position, format) for as long as the end stays the same.
 */
export class NewsEncoder {
  private cacheEnd = -1;
  private readonly cache = new Map<string, EncodedContent>();
  /** The rows read after each position, shared by its formats and the relays' batch. */
  private readonly rows = new Map<number, Entry[]>();
  /** How many encodings were made: a measure of the work a publish costs. */
  encodings = 0;

  constructor(
    private readonly log: Pick<CurrentLog, "end" | "since">,
    private readonly render: RenderOptions,
  ) {}

  /** The position of the log's newest entry. */
  get end(): number {
    return this.log.end;
  }

  /** Forgets every encoding: the log changed without growing (an entry was deleted). */
  invalidate(): void {
    this.cache.clear();
    this.rows.clear();
  }

  /**
   * The entries after `pos`; when `pos` is past the end (the client saw a
   * log that is gone), the whole current log, so the client starts afresh.
   */
  encodeSince(pos: number, format: CometFormat): EncodedContent {
    const from = this.forEnd(pos);
    const key = `${from}:${format}`;
    let content = this.cache.get(key);
    if (content === undefined) {
      const read = this.rowsSince(from);
      const previous = from > 0 && read[0]?.seq === from ? read[0] : null;
      content = encodeContent(format, previous === null ? read : read.slice(1), format === "html" ? previous : null, this.render);
      this.encodings++;
      this.cache.set(key, content);
    }
    return content;
  }

  /**
   * The log's entries from position `pos` on (the one at `pos` first, if the
   * log still has it: the HTML's group continues from it), read once for
   * every format and the relays.
   */
  rowsSince(pos: number): Entry[] {
    const from = this.forEnd(pos);
    let rows = this.rows.get(from);
    if (rows === undefined) {
      rows = this.log.since(Math.max(0, from - 1));
      this.rows.set(from, rows);
    }
    return rows;
  }

  /** The position to read from for `pos` (0 past the end), the caches kept only for the current end. */
  private forEnd(pos: number): number {
    const end = this.log.end;
    if (end !== this.cacheEnd || this.cache.size >= MAX_CACHED) {
      this.invalidate();
      this.cacheEnd = end;
    }
    return pos > end ? 0 : pos;
  }
}
