import type { Clock } from "../../clock";
import type { RoomConfig, SiteConfig } from "../../config";
import { tooManyRequests } from "../../http/errors";
import { logEvent } from "../../log";
import type { AuditLog } from "../storage/audit-log";
import type { AllowlistStore } from "../storage/allowlist";
import type { BlocklistStore } from "../storage/blocklist";
import { RateLimiter } from "./rate-limiter";

/** The figures of a room's limits (src/protocol/limits.ts has the defaults and why). */
export interface AdmissionLimits {
  /** Posts one client may make at once, then per minute. */
  clientBurst: number;
  clientPerMinute: number;
  /** Posts per address per minute, for everyone behind it (the burst is as large). */
  addressPerMinute: number;
  /** New client ids per address per minute (the burst is as large). */
  newClientsPerMinute: number;
}

/** A room's limits: the site's figures, and the room's own posts per address when it sets them. */
export function roomLimits(config: Pick<RoomConfig, "postsPerMinute">, site: SiteConfig): AdmissionLimits {
  return {
    clientBurst: site.clientPostBurst,
    clientPerMinute: site.clientPostsPerMinute,
    addressPerMinute: config.postsPerMinute ?? site.postsPerMinute,
    newClientsPerMinute: site.newClientsPerMinute,
  };
}

export interface PostAttempt {
  ip: string;
  /** The client's own key (a socket, a long-poll client id, a webhook), or null. */
  client: string | null;
  /** The nick, once cleaned: with the address, the client's key when it has none of its own. */
  nick: string;
}

/**
 * Who may post and log in, and how often, in one room:
 *
 * - a blocked address may not post (the attempt is audited, and answered as if stored);
 * - an allowed address (the allowlist: bridges, a gateway) is held to no limit;
 * - each client (a socket, a long-poll cid, or its address and nick when it
 *   gives neither) gets a short burst and then a person's pace, so one
 *   flooding client is stopped after its burst whoever else shares its address;
 * - each address gets a much larger allowance, for all the people behind it;
 * - each address gets a bounded number of new client ids (apilogin, comet),
 *   so it cannot inflate the room's count of chatters.
 *
 * Counts are kept in memory: a room that is evicted has been idle, and
 * forgiving an idle client is what the buckets do anyway.
 */
export class Admission {
  private clients!: RateLimiter;
  private addresses!: RateLimiter;
  private newClients!: RateLimiter;
  private figures!: AdmissionLimits;

  constructor(
    private readonly roomName: string,
    private readonly blocklist: Pick<BlocklistStore, "blocks">,
    private readonly allowlist: Pick<AllowlistStore, "allows">,
    limits: AdmissionLimits,
    private readonly audit: Pick<AuditLog, "record">,
    private readonly clock: Clock,
  ) {
    this.limits = limits;
  }

  get limits(): AdmissionLimits {
    return this.figures;
  }

  /** New figures start every count afresh (a seam for tests, and for settings changed at run time). */
  set limits(limits: AdmissionLimits) {
    this.figures = { ...limits };
    this.clients = new RateLimiter(limits.clientBurst, limits.clientPerMinute);
    this.addresses = new RateLimiter(limits.addressPerMinute, limits.addressPerMinute);
    this.newClients = new RateLimiter(limits.newClientsPerMinute, limits.newClientsPerMinute);
  }

  /** "blocked", or the seconds to wait when over a limit, or 0 (the post is counted). */
  admit(post: PostAttempt): "blocked" | number {
    const { ip } = post;
    const now = this.clock.now();
    if (this.blocklist.blocks(ip) !== null) {
      logEvent({ event: "post-blocked", room: this.roomName, ip });
      this.audit.record({ at: now, actor: ip, action: "post-blocked", target: this.roomName, detail: "" });
      return "blocked";
    }
    if (this.allowlist.allows(ip) !== null) return 0;
    // The client's own limit first: a flooding client is refused before it spends its address's allowance.
    const client = post.client ?? `address:${ip} nick:${post.nick}`;
    const byClient = this.clients.take(client, now);
    if (byClient.wait > 0) return this.refused("client", post, client, byClient.wait, byClient.firstRefusal);
    const byAddress = this.addresses.take(ip, now);
    if (byAddress.wait > 0) return this.refused("address", post, client, byAddress.wait, byAddress.firstRefusal);
    return 0;
  }

  /** 0 when `ip` may have a new client id now (it is counted), else the seconds to wait. */
  admitNewClient(ip: string): number {
    if (this.allowlist.allows(ip) !== null) return 0;
    const verdict = this.newClients.take(ip, this.clock.now());
    if (verdict.firstRefusal) logEvent({ event: "clients-limited", room: this.roomName, ip, retryAfter: verdict.wait });
    return verdict.wait;
  }

  /** Counts a new client id for `ip`, or refuses it: 429 with Retry-After beyond the address's allowance. */
  requireNewClient(ip: string): void {
    const wait = this.admitNewClient(ip);
    if (wait > 0) throw tooManyRequests("Too many new clients from this address", wait);
  }

  private refused(limit: "client" | "address", post: PostAttempt, client: string, wait: number, first: boolean): number {
    if (first) logEvent({ event: "post-limited", room: this.roomName, ip: post.ip, limit, client: client.slice(0, 200), retryAfter: wait });
    return wait;
  }
}
