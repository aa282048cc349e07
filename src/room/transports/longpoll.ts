import { emptyContent, type CometFormat, type EncodedContent, type ReplyHeader } from "../../protocol/comet-reply";
import { deletionMarker } from "../../render/entries";
import type { Listener, News } from "../live/fanout";

/** A held comet request. */
export interface Waiter {
  cid: number;
  pos: number;
  format: CometFormat;
  answer(header: ReplyHeader, content: EncodedContent): void;
}

interface Held {
  waiter: Waiter;
  ping: () => ReplyHeader;
  /** When the hold time has passed (Date.now() ms). */
  until: number;
}

/**
 * Held comet requests, keyed by client id: a listener of the publish path.
 * New entries answer every waiter behind the end with what it has not seen;
 * a deletion answers the pages (the HTML format) with a marker they act on.
 * Every request is held as long, so the map's order (the order of holding)
 * is the order they expire in: one timer, for the first, serves them all.
 */
export class LongPoll implements Listener {
  private readonly waiters = new Map<number, Held>();
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly holdMs: number,
    private readonly ver: string,
    private readonly onRelease: (cid: number) => void,
  ) {}

  get size(): number {
    return this.waiters.size;
  }

  /** Holds `waiter` until news, a release, or the hold time passes (then a ping from `ping`). */
  hold(waiter: Waiter, ping: () => ReplyHeader): void {
    // Deleted first, so that the map's order stays the order of holding.
    this.waiters.delete(waiter.cid);
    this.waiters.set(waiter.cid, { waiter, ping, until: Date.now() + this.holdMs });
    if (this.timer === null) this.arm();
  }

  /** The timer, for the first request held, if any. */
  private arm(): void {
    const first = this.waiters.values().next();
    if (first.done) return;
    this.timer = setTimeout(() => this.expire(), Math.max(0, first.value.until - Date.now()));
  }

  /** Pings every request held for the hold time, then waits for the next. */
  private expire(): void {
    this.timer = null;
    const now = Date.now();
    for (const [cid, { waiter, ping, until }] of this.waiters) {
      if (until > now) break;
      this.take(cid);
      waiter.answer(ping(), emptyContent(waiter.format));
    }
    this.arm();
  }

  /** Answers the request held for `cid`, if any, with a ping; used for duplicates. */
  release(cid: number, header: (waiter: Waiter) => ReplyHeader): void {
    const waiter = this.take(cid);
    if (waiter) waiter.answer(header(waiter), emptyContent(waiter.format));
  }

  entries(news: News): void {
    for (const [cid, { waiter }] of this.waiters) {
      if (waiter.pos === news.end) continue;
      const content = news.encodeSince(waiter.pos, waiter.format);
      this.take(cid);
      waiter.answer({ pos: news.end, nc: news.nc, ver: this.ver, cid }, content);
    }
  }

  /** Pages remove the deleted entry; their position is unchanged. API clients have no such message and wait on. */
  deleted(anchor: string, nc: number): void {
    const content: EncodedContent = { format: "html", text: JSON.stringify(deletionMarker(anchor).value) };
    for (const [cid, { waiter }] of this.waiters) {
      if (waiter.format !== "html") continue;
      this.take(cid);
      waiter.answer({ pos: waiter.pos, nc, ver: this.ver, cid }, content);
    }
  }

  /** Long-poll clients read the chatters in their next reply. */
  presence(): void {}

  private take(cid: number): Waiter | undefined {
    const held = this.waiters.get(cid);
    if (held === undefined) return undefined;
    this.waiters.delete(cid);
    if (this.waiters.size === 0 && this.timer !== null) {
      // Nothing left to ping: no timer keeps the room awake.
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.onRelease(cid);
    return held.waiter;
  }
}
