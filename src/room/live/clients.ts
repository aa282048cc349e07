import type { Clock } from "../../clock";
import { HttpError } from "../../http/errors";
import { CID_LIMIT, CLIENT_GONE_MS, MAX_CLIENTS } from "../../protocol/limits";
import type { Admission } from "../posting/admission";

/**
 * Who is in the room: long-poll clients by client id, and open sockets.
 * A long-poll client is waiting while its comet request is held; it is gone
 * once it has not been waiting for CLIENT_GONE_MS. The number of chatters
 * (`nc`) is the clients not gone plus the open sockets, one number for every
 * transport. Each change that moves it is reported to `onChange`: presence
 * follows the registry, not the handlers.
 */
export class ClientRegistry {
  private readonly waiting = new Set<number>();
  /** Clients not waiting, by the time they were last seen; insertion order is that order. */
  private readonly idle = new Map<number, number>();
  /** Clients whose request a relay holds, by when they count as seen: the end of the hold (insertion order is that order too). */
  private readonly relayed = new Map<number, number>();
  /** The sockets the room's relays hold. */
  private relayedSockets = 0;

  constructor(
    private readonly clock: Clock,
    private openSockets: number,
    private readonly onChange: () => void,
    private readonly random: () => number = Math.random,
  ) {}

  /** A fresh long-poll client id, seen now; null when the room holds too many clients. */
  issue(): number | null {
    this.forgetGone();
    if (this.waiting.size + this.idle.size + this.relayed.size >= MAX_CLIENTS) return null;
    const cid = this.freshId();
    this.idle.set(cid, this.clock.now());
    this.onChange();
    return cid;
  }

  /** An id no client uses, not registered: a socket's, counted with `socketOpened`. */
  freshId(): number {
    let cid: number;
    do cid = Math.floor(this.random() * CID_LIMIT);
    while (cid === 0 || this.waiting.has(cid) || this.idle.has(cid) || this.relayed.has(cid));
    return cid;
  }

  isKnown(cid: number): boolean {
    this.forgetGone();
    return this.waiting.has(cid) || this.idle.has(cid) || this.relayed.has(cid);
  }

  isWaiting(cid: number): boolean {
    return this.waiting.has(cid);
  }

  startWaiting(cid: number): void {
    this.idle.delete(cid);
    this.relayed.delete(cid);
    this.waiting.add(cid);
  }

  /** A relay holds the client's request for `holdMs` at most: it counts as seen until then. */
  waitsOnRelay(cid: number, holdMs: number): void {
    this.idle.delete(cid);
    this.relayed.delete(cid);
    this.relayed.set(cid, this.clock.now() + holdMs);
  }

  /** The sockets the room's relays now hold: chatters as the room's own sockets are. */
  relayedSocketsAre(count: number): void {
    if (count === this.relayedSockets) return;
    this.relayedSockets = count;
    this.onChange();
  }

  stopWaiting(cid: number): void {
    if (!this.waiting.delete(cid)) return;
    this.idle.set(cid, this.clock.now());
  }

  socketOpened(): void {
    this.openSockets++;
    this.onChange();
  }

  socketClosed(): void {
    this.openSockets = Math.max(0, this.openSockets - 1);
    this.onChange();
  }

  /** The room's own open sockets. */
  get sockets(): number {
    return this.openSockets;
  }

  /** The number of chatters: clients waiting (here or on a relay) or seen within CLIENT_GONE_MS, and open sockets (here and on relays). */
  count(): number {
    this.forgetGone();
    return this.waiting.size + this.idle.size + this.relayed.size + this.openSockets + this.relayedSockets;
  }

  private forgetGone(): void {
    const cutoff = this.clock.now() - CLIENT_GONE_MS;
    for (const seenUntil of [this.idle, this.relayed]) {
      for (const [cid, seen] of seenUntil) {
        if (seen > cutoff) break;
        seenUntil.delete(cid);
      }
    }
  }
}

/** What issuing a client id works with: the registry, and the per-address allowance of new ids. */
export interface CidIssuer {
  clients: ClientRegistry;
  admission: Pick<Admission, "requireNewClient">;
}

/**
 * A fresh client id for a client at `ip`: 429 with Retry-After beyond the
 * address's allowance of new ones, 503 when the room cannot give one.
 */
export function issueCid(room: CidIssuer, ip: string): number {
  room.admission.requireNewClient(ip);
  const cid = room.clients.issue();
  if (cid === null) throw new HttpError(503, "The room is full; try again shortly", { "Retry-After": "10" });
  return cid;
}
