import type { CometFormat, EncodedContent, ReplyHeader } from "../../protocol/comet-reply";
import { emptyContent } from "../../protocol/comet-reply";

/** A held comet request. */
export interface Waiter {
  cid: number;
  pos: number;
  format: CometFormat;
  answer(header: ReplyHeader, content: EncodedContent): void;
}

/** What a wake-up tells the waiters: the new end, the chatters, and the news after a position. */
export interface News {
  end: number;
  nc: number;
  ver: string;
  encodeSince(pos: number, format: CometFormat): EncodedContent;
}

/**
 * Held comet requests, keyed by client id. A publish answers every waiter at
 * once; `News.encodeSince` is expected to encode once per distinct (position, format).
 */
export class LongPoll {
  private readonly waiters = new Map<number, { waiter: Waiter; timer: ReturnType<typeof setTimeout> }>();

  constructor(
    private readonly holdMs: number,
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

  /** Answers every waiter behind `news.end` with what it has not seen. */
  wake(news: News): number {
    let answered = 0;
    for (const [cid, { waiter }] of this.waiters) {
      if (waiter.pos === news.end) continue;
      const content = news.encodeSince(waiter.pos, waiter.format);
      this.take(cid);
      waiter.answer({ pos: news.end, nc: news.nc, ver: news.ver, cid }, content);
      answered++;
    }
    return answered;
  }

  /**
   * Answers the waiters that take rendered HTML with `content` (markup the
   * page acts on, such as a deletion), their position unchanged; the others wait on.
   */
  tellPages(content: EncodedContent, header: (waiter: Waiter) => ReplyHeader): void {
    for (const [cid, { waiter }] of this.waiters) {
      if (waiter.format !== "html") continue;
      this.take(cid);
      waiter.answer(header(waiter), content);
    }
  }

  private take(cid: number): Waiter | undefined {
    const held = this.waiters.get(cid);
    if (held === undefined) return undefined;
    clearTimeout(held.timer);
    this.waiters.delete(cid);
    this.onRelease(cid);
    return held.waiter;
  }
}
