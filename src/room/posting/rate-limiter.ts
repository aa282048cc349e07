import { MAX_TRACKED_LIMIT_KEYS } from "../../protocol/limits";
import { TokenBucket } from "../../security/token-bucket";

/** What a limiter says of one more request: 0 to go (it is counted), else the seconds to wait. */
export interface Verdict {
  wait: number;
  /** The first refusal since this key last went: what is worth logging. */
  firstRefusal: boolean;
}

interface Held {
  bucket: TokenBucket;
  refusing: boolean;
}

/**
 * Token buckets by key (a client, an address): `burst` at once, then
 * `perMinute`. At most `maxKeys` are kept, the longest unused forgotten
 * first; a forgotten key starts again with a full burst, which is what it
 * would have after a few idle minutes anyway.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Held>();

  constructor(
    readonly burst: number,
    readonly perMinute: number,
    private readonly maxKeys = MAX_TRACKED_LIMIT_KEYS,
  ) {}

  take(key: string, now: number): Verdict {
    let held = this.buckets.get(key);
    if (held === undefined) {
      held = { bucket: new TokenBucket(this.burst, this.perMinute / 60, now), refusing: false };
    } else {
      // Map order is the order of use: the oldest entries are the ones to forget.
      this.buckets.delete(key);
    }
    this.buckets.set(key, held);
    if (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
    if (held.bucket.take(now)) {
      held.refusing = false;
      return { wait: 0, firstRefusal: false };
    }
    const firstRefusal = !held.refusing;
    held.refusing = true;
    return { wait: Math.max(1, held.bucket.wait()), firstRefusal };
  }

  /** Keys tracked now (tests). */
  get size(): number {
    return this.buckets.size;
  }
}
