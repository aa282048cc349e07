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

/**
 * Held comet requests, keyed by client id: a listener of the publish path.
 * New entries answer every waiter behind the end with what it has not seen;
 * a deletion answers the pages (the HTML format) with a marker they act on.
 */
export class LongPoll implements Listener {
  private readonly waiters = new Map<number, { waiter: Waiter; timer: ReturnType<typeof setTimeout> }>();

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
    const timer = setTimeout(() => {
      if (this.take(waiter.cid) === waiter) waiter.answer(ping(), emptyContent(waiter.format));
    }, this.holdMs);
    this.waiters.set(waiter.cid, { waiter, timer });
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
    clearTimeout(held.timer);
    this.waiters.delete(cid);
    this.onRelease(cid);
    return held.waiter;
  }
}
