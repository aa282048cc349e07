import type { Clock } from "../../clock";
import { POST_BURST, POST_RATE_PER_SECOND } from "../../protocol/limits";
import { TokenBucket } from "../../security/token-bucket";
import type { AuditLog } from "../storage/audit-log";
import type { BlocklistStore } from "../storage/blocklist";
import type { PostLimiter } from "./post-limiter";

/** Clients forgotten after this long without a post. */
const FORGET_CLIENT_AFTER_MS = 10 * 60_000;

/**
 * Whether a post may be stored: not from a blocked address (the attempt is
 * logged and audited), within its client's burst (a socket), within its
 * address's posts per minute.
 */
export class Admission {
  private readonly clients = new Map<string, { bucket: TokenBucket; used: number }>();

  constructor(
    private readonly roomName: string,
    private readonly blocklist: Pick<BlocklistStore, "blocks">,
    /** Posts per address per minute (replaceable: a seam for tests). */
    public perAddress: PostLimiter,
    private readonly audit: Pick<AuditLog, "record">,
    private readonly clock: Clock,
  ) {}

  /** "blocked", or the seconds to wait when over a limit, or 0 (the post is counted). */
  admit(ip: string, client: string | null): "blocked" | number {
    const now = this.clock.now();
    if (this.blocklist.blocks(ip) !== null) {
      console.log(JSON.stringify({ event: "post-blocked", room: this.roomName, ip }));
      this.audit.record({ at: now, actor: ip, action: "post-blocked", target: this.roomName, detail: "" });
      return "blocked";
    }
    if (client !== null) {
      const wait = this.takeClientToken(client, now);
      if (wait > 0) return wait;
    }
    return this.perAddress.take(ip, now);
  }

  private takeClientToken(client: string, now: number): number {
    if (this.clients.size > 10_000) {
      for (const [key, held] of this.clients) if (now - held.used > FORGET_CLIENT_AFTER_MS) this.clients.delete(key);
    }
    let held = this.clients.get(client);
    if (held === undefined) {
      held = { bucket: new TokenBucket(POST_BURST, POST_RATE_PER_SECOND, now), used: now };
      this.clients.set(client, held);
    }
    held.used = now;
    return held.bucket.take(now) ? 0 : Math.max(1, held.bucket.wait());
  }
}
