import type { Clock } from "../../clock";
import { logEvent } from "../../log";
import type { Entry } from "../../protocol/entry";
import { RELAY_HEADER, RELAY_HOLD_HEADER, writeRelayHold, type RelayBatch, type RelayHold, type RelayListeners } from "../../protocol/relay";
import type { RelayTable } from "../storage/relays";
import type { ClientRegistry } from "./clients";
import type { Listener, News } from "./fanout";
import { PresencePacer } from "./presence-pacer";

/** What the room calls on a relay (the RPC methods of src/relay/relay.ts); each answers with the listeners it holds. */
export interface RelayPeer {
  news(batch: RelayBatch): Promise<RelayListeners>;
  deleted(anchor: string, nc: number): Promise<RelayListeners>;
  presence(nc: number): Promise<RelayListeners>;
  close(reason: string): Promise<void>;
}

export interface HubRoom {
  table: RelayTable;
  /** Relay `index` of this room, and its name (what the Worker asks the runtime for). */
  peer(index: number): RelayPeer;
  name(index: number): string;
  clients: Pick<ClientRegistry, "relayedSocketsAre" | "count">;
  /** The listeners the room's own object holds: its sockets and held comet requests. */
  local(): number;
  /** The room starts to spread: its own sockets are asked to connect again, and relays take them. */
  moveOwnSockets(): void;
  /** The log's entries from `pos` on (the one at `pos` first). */
  rowsSince(pos: number): Entry[];
  /** The room's `listeners_per_object`. */
  limit(): number;
  /** The room's end: the position of its newest entry. */
  end(): number;
  clock: Clock;
  /** Brings the room's one alarm forward to `at` (ms). */
  wake(at: number): void;
}

interface RelayState extends RelayListeners {
  /** The room's end as this relay last confirmed it had it; null: not known (the room woke since). */
  told: number | null;
  /** The comet requests the room handed it whose hold has not ended (the relay's own `comet` is what it last said). */
  held: number;
  /** Sockets sent to it since it last said what it holds. */
  sent: number;
  /** When a listener was last sent to it: a relay that holds nobody yet is kept that long for the listeners on their way. */
  sentAt: number;
}

/** A relay kept this long after a listener was sent to it, even while it reports nobody: the listener may be on its way. */
const ARRIVAL_MS = 10_000;
/** A relay that could not be told is handed what it lacks this long after, by the alarm. */
const RETRY_MS = 1_000;

/** Addresses stay in the room: a relay renders and delivers entries, and needs none. */
const withoutAddress = (entry: Entry): Entry => (entry.ip === "" ? entry : { ...entry, ip: "" });

/**
 * The room's relay objects, a listener of the publish path. Once the room
 * has `listeners_per_object` listeners of its own it spreads: every new
 * socket and every comet request it would hold goes to a relay (`handOff`),
 * and its own sockets move there too, so that its work per post is its write
 * and one hand-off per relay. Each batch of entries, deletion and change of
 * chatters goes once to each relay, which delivers it to its own listeners.
 * Relays say what they hold in every answer and when their sockets come and
 * go (`heard`); the room counts their sockets as chatters, and forgets a
 * relay once it holds nobody: with none left, it holds its listeners again.
 */
const newRelay = (listeners: RelayListeners = { sockets: 0, comet: 0 }): RelayState => ({ ...listeners, told: null, held: 0, sent: 0, sentAt: 0 });

export class RelayHub implements Listener {
  private readonly relays = new Map<number, RelayState>();
  /**
   * The comet requests handed to relays, by client id: the relay and when the
   * hold ends. A client asks once at a time, so its next request ends it
   * sooner. Insertion order is the order of their ends.
   */
  private readonly holds = new Map<number, { index: number; until: number }>();
  /** One stub per relay: calls through one stub arrive in the order they were made, and making it costs once. */
  private readonly peers = new Map<number, RelayPeer>();
  /** Relays a message did not reach: told again at the next alarm. */
  private readonly behind = new Set<number>();
  private readonly pacer: PresencePacer;

  constructor(private readonly room: HubRoom) {
    for (const row of room.table.all()) this.relays.set(row.relay, newRelay(row));
    this.pacer = new PresencePacer(
      () => room.clients.count(),
      (nc) => this.toEach((peer) => peer.presence(nc)),
      (at) => room.wake(at),
    );
    this.countSockets();
  }

  /**
   * Where a new listener goes: null while the room has no relay and holds
   * fewer than its limit itself; else the answer that sends it to the first
   * relay with room (a new one when every relay is full), for the Worker to
   * follow. A room that starts to spread moves its own sockets to relays too:
   * from then on its own work per post is its write and one hand-off per
   * relay, until every relay has gone.
   */
  handOff(hold?: RelayHold): Response | null {
    const limit = this.room.limit();
    const spreading = this.relays.size > 0;
    if (!spreading && this.room.local() < limit) return null;
    if (!spreading) queueMicrotask(() => this.room.moveOwnSockets());
    this.endHolds();
    let index = 0;
    let relay = this.relays.get(index);
    while (relay !== undefined && relay.sockets + relay.sent + relay.held >= limit) relay = this.relays.get(++index);
    if (relay === undefined) {
      relay = newRelay();
      this.relays.set(index, relay);
    }
    const now = this.room.clock.now();
    relay.sentAt = now;
    if (hold === undefined) relay.sent++;
    else {
      relay.held++;
      this.holds.set(hold.cid, { index, until: now + hold.holdMs });
      // A room that wakes publishes to the relays of its table: one holding only comet requests is there from the first.
      if (relay.sockets + relay.comet === 0) {
        relay.comet = 1;
        this.room.table.set(index, relay);
      }
    }
    const headers: Record<string, string> = { [RELAY_HEADER]: this.room.name(index) };
    if (hold !== undefined) headers[RELAY_HOLD_HEADER] = writeRelayHold(hold);
    return new Response(null, { status: 204, headers });
  }

  /** The comet client `cid` asks again: the hold a relay had for it has ended. */
  cometReturned(cid: number): void {
    const hold = this.holds.get(cid);
    if (hold === undefined) return;
    this.holds.delete(cid);
    const relay = this.relays.get(hold.index);
    if (relay !== undefined) relay.held = Math.max(0, relay.held - 1);
  }

  /** Holds whose time has passed have ended, answered or not. */
  private endHolds(): void {
    const now = this.room.clock.now();
    for (const [cid, hold] of this.holds) {
      if (hold.until > now) break;
      this.cometReturned(cid);
    }
  }

  /** What relay `index` holds, from its report or its answer. */
  heard(index: number, listeners: RelayListeners): void {
    const relay = this.relays.get(index) ?? newRelay();
    const changed = relay.sockets !== listeners.sockets || relay.comet > 0 !== listeners.comet > 0;
    relay.sockets = listeners.sockets;
    relay.comet = listeners.comet;
    relay.sent = 0;
    this.endHolds();
    const gone = listeners.sockets + listeners.comet + relay.held === 0 && this.room.clock.now() - relay.sentAt >= ARRIVAL_MS;
    if (gone) this.relays.delete(index);
    else this.relays.set(index, relay);
    if (changed || gone) {
      this.room.table.set(index, gone ? { sockets: 0, comet: 0 } : listeners);
      this.countSockets();
    }
  }

  entries(news: News): void {
    if (this.relays.size === 0) return;
    const batch = this.batchFrom(news.from, news.end, news.nc, news.rowsSince(news.from));
    this.pacer.toldWith(news.nc);
    for (const index of this.relays.keys()) this.tellNews(index, batch);
  }

  private batchFrom(from: number, end: number, nc: number, rows: Entry[]): RelayBatch {
    return { from, base: Math.max(0, from - 1), entries: rows.map(withoutAddress), end, nc };
  }

  /** Hands a relay a batch; the room's alarm hands it what it lacks if it could not be reached. */
  private tellNews(index: number, batch: RelayBatch): void {
    this.tell(
      index,
      (peer) => peer.news(batch),
      () => {
        const relay = this.relays.get(index);
        if (relay !== undefined) relay.told = Math.max(relay.told ?? 0, batch.end);
      },
    );
  }

  deleted(anchor: string, nc: number): void {
    this.toEach((peer) => peer.deleted(anchor, nc));
  }

  presence(): void {
    if (this.relays.size > 0) this.pacer.changed();
  }

  /** The alarm came: a change of chatters held back, and what relays a message did not reach lack (from where they last had it). */
  due(): void {
    this.pacer.due();
    const behind = [...this.behind];
    this.behind.clear();
    const end = this.room.end();
    const nc = this.room.clients.count();
    for (const index of behind) {
      const relay = this.relays.get(index);
      if (relay === undefined) continue;
      const from = relay.told ?? end;
      this.tellNews(index, this.batchFrom(from, end, nc, from === end ? [] : this.room.rowsSince(from)));
    }
  }

  /** The room closed: every relay closes its sockets. */
  closeAll(reason: string): void {
    for (const index of this.relays.keys())
      void this.peer(index)
        .close(reason)
        .catch(() => {});
  }

  /** var/stats: each relay, the sockets it last said it holds and the comet requests handed to it and not ended. */
  stats(): { relay: string; sockets: number; comet: number }[] {
    this.endHolds();
    return [...this.relays].map(([index, relay]) => ({ relay: this.room.name(index), sockets: relay.sockets, comet: relay.held }));
  }

  private toEach(call: (peer: RelayPeer) => Promise<RelayListeners>): void {
    for (const index of this.relays.keys()) this.tell(index, call);
  }

  private peer(index: number): RelayPeer {
    let peer = this.peers.get(index);
    if (peer === undefined) {
      peer = this.room.peer(index);
      this.peers.set(index, peer);
    }
    return peer;
  }

  private tell(index: number, call: (peer: RelayPeer) => Promise<RelayListeners>, reached?: () => void): void {
    call(this.peer(index)).then(
      (listeners) => {
        reached?.();
        this.heard(index, listeners);
      },
      (error) => {
        logEvent({ event: "relay-unreachable", relay: this.room.name(index), error: String(error) });
        this.behind.add(index);
        this.room.wake(this.room.clock.now() + RETRY_MS);
      },
    );
  }

  private countSockets(): void {
    let sockets = 0;
    for (const relay of this.relays.values()) sockets += relay.sockets;
    this.room.clients.relayedSocketsAre(sockets);
  }
}
