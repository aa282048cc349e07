import { TokenBucket } from "../../security/token-bucket";

/** Addresses forgotten after this long without a post. */
const FORGET_AFTER_MS = 10 * 60_000;

/** Posts per address per minute in one room, as a token bucket per address. */
export class PostLimiter {
  private readonly buckets = new Map<string, { bucket: TokenBucket; used: number }>();

  constructor(private readonly perMinute: number) {}

  /** 0 if the address may post now (and counts it), else the seconds to wait. */
  take(ip: string, now: number): number {
    if (this.buckets.size > 10_000) this.forgetIdle(now);
    let held = this.buckets.get(ip);
    if (held === undefined) {
      held = { bucket: new TokenBucket(this.perMinute, this.perMinute / 60, now), used: now };
      this.buckets.set(ip, held);
    }
    held.used = now;
    return held.bucket.take(now) ? 0 : Math.max(1, held.bucket.wait());
  }

  private forgetIdle(now: number): void {
    for (const [ip, held] of this.buckets) if (now - held.used > FORGET_AFTER_MS) this.buckets.delete(ip);
  }
}
