import { HOOK_BURST, HOOK_POSTS_PER_MINUTE } from "../../protocol/limits";
import { TokenBucket } from "../../security/token-bucket";

/** Each incoming webhook's own rate: a token bucket per hook id (a room has few hooks, so none is forgotten). */
export class HookLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  /** 0 if the hook may post now (and counts it), else the seconds to wait. */
  take(hookId: string, now: number): number {
    let bucket = this.buckets.get(hookId);
    if (bucket === undefined) {
      bucket = new TokenBucket(HOOK_BURST, HOOK_POSTS_PER_MINUTE / 60, now);
      this.buckets.set(hookId, bucket);
    }
    return bucket.take(now) ? 0 : Math.max(1, bucket.wait());
  }

  forget(hookId: string): void {
    this.buckets.delete(hookId);
  }
}
