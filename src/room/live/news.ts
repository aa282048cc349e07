import type { CometFormat, EncodedContent } from "../../protocol/comet-reply";
import type { Entry } from "../../protocol/entry";
import { writeItems } from "../../protocol/sexpr";
import { renderEntries, type RenderOptions } from "../../render/entries";
import type { CurrentLog } from "../storage/current-log";

/** The entries after a position, and the one at it (the HTML continues its group). */
interface Rows {
  previous: Entry | null;
  entries: Entry[];
}

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
  /** The rows read for each position, shared by its formats. */
  private readonly rows = new Map<number, Rows>();
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
    const end = this.log.end;
    if (end !== this.cacheEnd || this.cache.size >= MAX_CACHED) {
      this.invalidate();
      this.cacheEnd = end;
    }
    const from = pos > end ? 0 : pos;
    const key = `${from}:${format}`;
    let content = this.cache.get(key);
    if (content === undefined) {
      const { previous, entries } = this.rowsAfter(from);
      content = encodeContent(format, entries, format === "html" ? previous : null, this.render);
      this.encodings++;
      this.cache.set(key, content);
    }
    return content;
  }

  /** One read for every format of a position: the rows from `from` on, the first of them the one at `from` if the log still has it. */
  private rowsAfter(from: number): Rows {
    let rows = this.rows.get(from);
    if (rows === undefined) {
      const read = this.log.since(Math.max(0, from - 1));
      const previous = from > 0 && read[0]?.seq === from ? read[0] : null;
      rows = { previous, entries: previous === null ? read : read.slice(1) };
      this.rows.set(from, rows);
    }
    return rows;
  }
}
