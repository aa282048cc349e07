import { CID_LIMIT, CLIENT_GONE_MS, MAX_CLIENTS } from "../../protocol/limits";
import type { Clock } from "../../clock";

/**
 * Client ids and presence. A client is waiting while its comet request is
 * held; it is gone once it has not been waiting for CLIENT_GONE_MS.
 * The number of chatters (`nc`) is the number of clients not gone.
 */
export class Clients {
  private readonly waiting = new Set<number>();
  /** Clients not waiting, by the time they were last seen; insertion order is that order. */
  private readonly idle = new Map<number, number>();

  constructor(
    private readonly clock: Clock,
    private readonly random: () => number = Math.random,
  ) {}

  /** A fresh client id, seen now; null when the room holds too many clients. */
  issue(): number | null {
    this.forgetGone();
    if (this.waiting.size + this.idle.size >= MAX_CLIENTS) return null;
    const cid = this.freshId();
    this.idle.set(cid, this.clock.now());
    return cid;
  }

  /** An id no client uses, not registered: for a socket, which is counted apart. */
  freshId(): number {
    let cid: number;
    do cid = Math.floor(this.random() * CID_LIMIT);
    while (cid === 0 || this.waiting.has(cid) || this.idle.has(cid));
    return cid;
  }

  isKnown(cid: number): boolean {
    this.forgetGone();
    return this.waiting.has(cid) || this.idle.has(cid);
  }

  isWaiting(cid: number): boolean {
    return this.waiting.has(cid);
  }

  startWaiting(cid: number): void {
    this.idle.delete(cid);
    this.waiting.add(cid);
  }

  stopWaiting(cid: number): void {
    if (!this.waiting.delete(cid)) return;
    this.idle.set(cid, this.clock.now());
  }

  /** The number of chatters: clients waiting, or seen within CLIENT_GONE_MS. */
  count(): number {
    this.forgetGone();
    return this.waiting.size + this.idle.size;
  }

  private forgetGone(): void {
    const cutoff = this.clock.now() - CLIENT_GONE_MS;
    for (const [cid, seen] of this.idle) {
      if (seen > cutoff) break;
      this.idle.delete(cid);
    }
  }
}
