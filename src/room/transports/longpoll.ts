import { emptyContent, type CometFormat, type EncodedContent, type ReplyHeader } from "../../protocol/comet-reply";
import { deletionMarker } from "../../render/entries";
import type { Listener, News } from "../live/fanout";

/** A held comet request. */
export interface Waiter {
  cid: number;
  pos: number;
  format: CometFormat;
  /** The hold's own id, when it has one: an event of an earlier hold of the same client id does not touch this one. */
  id?: string;
  answer(header: ReplyHeader, content: EncodedContent): void;
}

interface Held {
  waiter: Waiter;
  ping: () => ReplyHeader;
}

/**
 * Held comet requests, keyed by client id: a listener of the publish path.
 * New entries answer every waiter behind the end with what it has not seen;
 * a deletion answers the pages (the HTML format) with a marker they act on.
 * The room keeps no timer for them: whoever holds the request outside the
 * room (the Worker, src/worker/comet-hold.ts) says when its time has passed.
 */
export class LongPoll implements Listener {
  private readonly waiters = new Map<number, Held>();

  constructor(
    private readonly ver: string,
    private readonly onRelease: (cid: number) => void,
  ) {}

  get size(): number {
    return this.waiters.size;
  }

  /** Holds `waiter` until news, a release, or its hold time passes (then a ping from `ping`). */
  hold(waiter: Waiter, ping: () => ReplyHeader): void {
    this.waiters.set(waiter.cid, { waiter, ping });
  }

  /** The hold time of the request held for `cid` (the hold `id`) has passed: a ping answers it. */
  expire(cid: number, id?: string): void {
    const held = this.waiters.get(cid);
    if (held === undefined || held.waiter.id !== id) return;
    this.take(cid);
    held.waiter.answer(held.ping(), emptyContent(held.waiter.format));
  }

  /** The request held for `cid` (the hold `id`) waits elsewhere now, as `to`: the same client, the same ping. */
  move(cid: number, id: string, to: Waiter): void {
    const held = this.waiters.get(cid);
    if (held?.waiter.id === id) held.waiter = to;
  }

  /** The request held for `cid` (the hold `id`) went away unanswered. */
  forget(cid: number, id?: string): void {
    if (this.waiters.get(cid)?.waiter.id === id) this.take(cid);
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
    this.onRelease(cid);
    return held.waiter;
  }
}
