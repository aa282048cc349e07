import { DurableObject } from "cloudflare:workers";
import { Clock } from "../clock";
import { roomClockRate, serverVersion } from "../config";
import { errorResponse, HttpError } from "../http/errors";
import { integerParam } from "../http/params";
import { logEvent } from "../log";
import { resultValue, type RoomResult } from "../protocol/room-result";
import { CID_LIMIT } from "../protocol/limits";
import { readRelayHold, relayOf, RELAY_HOLD_HEADER, type PostResult, type RelayBatch, type RelayListeners } from "../protocol/relay";
import type { Listener, News } from "../room/live/fanout";
import { NewsEncoder } from "../room/live/news";
import type { PostInput } from "../room/posting/write-path";
import { cometResponse } from "../room/transports/comet-response";
import { heldCount, heldSocketClosed, heldSocketMessage, heldWaiters, holdOnSocket } from "../room/transports/held-sockets";
import { LongPoll, type Waiter } from "../room/transports/longpoll";
import { pageSocketCount, Sockets, type Audience } from "../room/transports/sockets";
import { TailLog } from "./tail-log";

/** What a relay keeps across hibernation (a key of its storage, written when it starts): its room, and how it renders. */
interface Setup {
  /** The room's name in URLs (what its RPC methods are asked with). */
  room: string;
  roomUrl: string;
  imageMaxPx: number;
}

/** A post on a relay's socket whose entries frame has not come this long after its ack: the relay asks the room for what it lacks. */
const TOLD_WAIT_MS = 1_000;

/**
 * The relay's own sockets, counted: the room's chatters as the room last
 * said, and each socket that comes or goes here at once (the room hears and
 * says the new count a moment later).
 */
class RelayAudience implements Audience {
  constructor(
    public sockets: number,
    public nc: number,
    private readonly onChange: () => void,
  ) {}

  freshId(): number {
    return 1 + Math.floor(Math.random() * (CID_LIMIT - 1));
  }

  socketOpened(): void {
    this.sockets++;
    this.nc++;
    this.onChange();
  }

  socketClosed(): void {
    this.sockets = Math.max(0, this.sockets - 1);
    this.nc = Math.max(0, this.nc - 1);
    this.onChange();
  }

  count(): number {
    return this.nc;
  }
}

/** The parts of a relay that render and deliver, made once it knows its room. */
interface Parts {
  setup: Setup;
  tail: TailLog;
  news: NewsEncoder;
  sockets: Sockets;
  longpoll: LongPoll;
}

/**
 * One relay of a large room (README, "Large rooms"): it holds some of the
 * room's listeners (sockets, held comet requests) and delivers to them each
 * batch of entries the room hands it once, rendered here with the room's own
 * code. It keeps in memory how far it has told them, so that a batch it
 * missed is fetched from the room before anything after it is delivered, and
 * one told already is not told again; after hibernation the room's next batch
 * says where they are. Posts on its sockets go to the room's one write path.
 * It hibernates as the room does, and forgets everything once nobody is left.
 */
export class Relay extends DurableObject<Env> {
  private readonly clock: Clock;
  private readonly ver = serverVersion();
  private readonly audience: RelayAudience;
  private parts: Parts | null = null;
  private starting: Promise<Parts> | null = null;
  private catching: Promise<void> | null = null;
  private reporting = false;
  private reportAgain = false;
  /** Posts of this relay's sockets waiting for their entries to be told here. */
  private toldWaiters: { pos: number; resolve: () => void }[] = [];
  /** The room's object and this relay's index, from the relay's name. */
  private readonly place: { room: string; index: number };

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.clock = new Clock(roomClockRate(env));
    const place = relayOf(ctx.id.name ?? "");
    if (place === null) throw new Error(`A relay's name is <room>/<index>, not ${ctx.id.name}`);
    this.place = place;
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
    this.audience = new RelayAudience(pageSocketCount(ctx), 0, () => void this.report());
    const setup = ctx.storage.kv.get<Setup>("setup");
    // Where its listeners are comes with the room's next batch, or is asked of the room (ready()).
    if (setup !== undefined) this.parts = this.assemble(setup);
    const held = heldCount(ctx);
    if (setup !== undefined) logEvent({ event: "relay-started", room: setup.room, relay: ctx.id.name!, held, sockets: this.audience.sockets });
  }

  private roomStub() {
    return this.env.ROOM.getByName(this.place.room);
  }

  /** A room's answer: its refusal as it gave it, a room that cannot be reached as 503 (the listener asks again). */
  private async ask<T>(result: () => Promise<RoomResult<T>>): Promise<T> {
    let answer: RoomResult<T>;
    try {
      answer = await result();
    } catch {
      throw new HttpError(503, "The room could not be reached; try again", { "Retry-After": "1" });
    }
    return resultValue(answer);
  }

  private assemble(setup: Setup): Parts {
    const tail = new TailLog();
    const news = new NewsEncoder(tail, { roomUrl: setup.roomUrl, imageMaxPx: setup.imageMaxPx });
    const sockets = new Sockets({
      ctx: this.ctx,
      clients: this.audience,
      news,
      ver: this.ver,
      clock: this.clock,
      submit: (post) => this.post(setup.room, post),
      // Entries are told as each batch comes: none waits here.
      publishNow: () => {},
      told: (pos) => this.told(pos),
      wake: (at) => void this.ctx.storage.setAlarm(at),
    });
    const longpoll = new LongPoll(this.ver, () => {});
    const parts = { setup, tail, news, sockets, longpoll };
    for (const waiter of heldWaiters(this.ctx)) this.wait(parts, waiter);
    return parts;
  }

  /**
   * The relay's parts, knowing where its listeners are. A relay that started
   * asks the room; so does one that woke from hibernation before any batch
   * came: its listeners had everything up to the room's end then (the room
   * hands every batch on, and tries again while a relay cannot be reached).
   */
  private ready(roomName: string): Promise<Parts> {
    const current = this.parts;
    if (current?.tail.known) return Promise.resolve(current);
    this.starting ??= this.ask(() => this.roomStub().relaySync(roomName, null))
      .then((sync) => {
        let parts = this.parts;
        if (parts === null) {
          const setup: Setup = { room: roomName, roomUrl: sync.roomUrl, imageMaxPx: sync.imageMaxPx };
          this.ctx.storage.kv.put("setup", setup);
          parts = this.parts = this.assemble(setup);
          logEvent({ event: "relay-started", room: roomName, relay: this.ctx.id.name!, held: 0, sockets: this.audience.sockets });
        }
        // A batch that came meanwhile has told where they are.
        if (!parts.tail.known) {
          parts.tail.start(sync.end);
          parts.tail.take(sync);
          this.audience.nc = sync.nc;
        }
        return parts;
      })
      .finally(() => {
        this.starting = null;
      });
    return this.starting;
  }

  /** The Worker sends a socket or a comet hold the room handed over (never a client directly). */
  override async fetch(request: Request): Promise<Response> {
    try {
      const url = new URL(request.url);
      const slash = url.pathname.indexOf("/", 1);
      if (slash < 0) throw new HttpError(404, "No such path");
      const parts = await this.ready(url.pathname.slice(1, slash));
      const rest = url.pathname.slice(slash + 1);
      if (rest === "ws") {
        const p = integerParam(url.searchParams, "p") ?? 0;
        if (p >= 0) await this.cover(parts, p);
        return parts.sockets.accept(request, url);
      }
      const hold = readRelayHold(request.headers.get(RELAY_HOLD_HEADER));
      if (rest === "comet" && hold !== null) return await this.hold(parts, request, hold);
      throw new HttpError(404, "No such path");
    } catch (error) {
      return errorResponse(error);
    }
  }

  /** A comet request the room handed over: answered at once when this relay is past its position, else held until news. */
  private async hold(parts: Parts, request: Request, hold: { cid: number; pos: number; format: Waiter["format"]; holdMs: number }): Promise<Response> {
    if (parts.tail.end < hold.pos) await this.catchUp();
    const { tail, news, longpoll } = parts;
    if (tail.end !== hold.pos) {
      await this.cover(parts, hold.pos);
      return cometResponse({ pos: tail.end, nc: this.audience.count(), ver: this.ver, cid: hold.cid }, news.encodeSince(hold.pos, hold.format));
    }
    // A client asks once at a time: an earlier hold of its id (a request it gave up on) is answered with a ping.
    longpoll.release(hold.cid, (earlier) => ({ pos: earlier.pos, nc: this.audience.count(), ver: this.ver, cid: hold.cid }));
    const { response, waiter } = holdOnSocket(this.ctx, request, { cid: hold.cid, pos: hold.pos, format: hold.format }, hold.holdMs);
    this.wait(parts, waiter);
    return response;
  }

  private wait(parts: Parts, waiter: Waiter): void {
    parts.longpoll.hold(waiter, () => ({ pos: waiter.pos, nc: this.audience.count(), ver: this.ver, cid: waiter.cid }));
  }

  /** Makes sure the entries after `pos` are here (the room is asked for older ones), for a listener that starts there. */
  private async cover(parts: Parts, pos: number): Promise<void> {
    const after = pos > parts.tail.end ? 0 : Math.max(0, pos - 1);
    if (parts.tail.covers(after)) return;
    const sync = await this.ask(() => this.roomStub().relaySync(parts.setup.room, after));
    this.takeAndTell(parts, sync);
  }

  /** The room's batch of new entries (RPC): told to every listener here once, in order, after any this relay missed. */
  async news(batch: RelayBatch): Promise<RelayListeners> {
    const parts = this.parts;
    if (parts === null) return this.listeners();
    this.audience.nc = batch.nc;
    // Woken by this batch: the listeners here had everything before it.
    if (!parts.tail.known) parts.tail.start(batch.from);
    while (batch.end > parts.tail.end) {
      if (this.takeAndTell(parts, batch)) break;
      await this.catchUp();
    }
    return this.listeners();
  }

  /** Asks the room for what came after this relay's end (one request at a time), and tells it. */
  private catchUp(): Promise<void> {
    const parts = this.parts;
    // A relay that does not know where its listeners are takes the room's next batch as where they are.
    if (parts === null || !parts.tail.known) return Promise.resolve();
    this.catching ??= this.ask(() => this.roomStub().relaySync(parts.setup.room, Math.max(0, parts.tail.end - 1)))
      .then((sync) => {
        this.audience.nc = sync.nc;
        this.takeAndTell(parts, sync);
      })
      .finally(() => {
        this.catching = null;
      });
    return this.catching;
  }

  /** Takes a batch and tells its new entries to every listener here; false when it starts past this relay's end. */
  private takeAndTell(parts: Parts, batch: Pick<RelayBatch, "base" | "entries" | "end">): boolean {
    const from = parts.tail.end;
    if (!parts.tail.take(batch)) return false;
    if (parts.tail.end === from) return true;
    const news: News = {
      from,
      end: parts.tail.end,
      nc: this.audience.count(),
      encodeSince: (pos, format) => parts.news.encodeSince(pos, format),
      rowsSince: (pos) => parts.news.rowsSince(pos),
    };
    const listeners: Listener[] = [parts.sockets, parts.longpoll];
    for (const listener of listeners) listener.entries(news);
    parts.tail.trim();
    const end = parts.tail.end;
    const waiting = this.toldWaiters;
    this.toldWaiters = waiting.filter((w) => w.pos > end);
    for (const w of waiting) if (w.pos <= end) w.resolve();
    return true;
  }

  /** An entry was deleted (RPC): the pages here remove it; what this relay kept is asked for again when needed. */
  async deleted(anchor: string, nc: number): Promise<RelayListeners> {
    const parts = this.parts;
    if (parts === null) return this.listeners();
    this.audience.nc = nc;
    parts.tail.forget();
    parts.news.invalidate();
    parts.sockets.deleted(anchor);
    parts.longpoll.deleted(anchor, nc);
    return this.listeners();
  }

  /** The room's chatters changed (RPC): the sockets here hear it, paced as the room's own. */
  async presence(nc: number): Promise<RelayListeners> {
    this.audience.nc = nc;
    this.parts?.sockets.presence();
    return this.listeners();
  }

  /** The room closed (RPC): every listener here is let go. */
  async close(reason: string): Promise<void> {
    for (const ws of this.ctx.getWebSockets()) ws.close(1001, reason);
  }

  /** A post on a socket here: the room's one write path decides, by RPC. */
  private post(roomName: string, post: PostInput): Promise<PostResult> {
    return this.ask(() => this.roomStub().relayPost(roomName, post));
  }

  /** Resolves once this relay has told its listeners the entries up to `pos` (a stored post's ack follows its entries frame). */
  private told(pos: number): Promise<void> {
    const parts = this.parts;
    if (parts === null || parts.tail.end >= pos) return Promise.resolve();
    const reached = new Promise<void>((resolve) => this.toldWaiters.push({ pos, resolve }));
    // The room tells its relays after its commit, as it answers: a batch that did not come is fetched.
    const late = new Promise<void>((resolve) => setTimeout(resolve, TOLD_WAIT_MS)).then(() => (parts.tail.end >= pos ? undefined : this.catchUp()));
    return Promise.race([reached, late]);
  }

  private listeners(): RelayListeners {
    return { sockets: this.audience.sockets, comet: this.parts?.longpoll.size ?? 0 };
  }

  /**
   * Tells the room what this relay holds, one report at a time (a change
   * meanwhile is reported after it). The room answers with its end: a batch
   * that went elsewhere while this relay was new to it is fetched.
   */
  private async report(): Promise<void> {
    if (this.reporting) {
      this.reportAgain = true;
      return;
    }
    const parts = this.parts;
    if (parts === null) return;
    this.reporting = true;
    try {
      do {
        this.reportAgain = false;
        const end = await this.ask(() => this.roomStub().relayListeners(parts.setup.room, this.place.index, this.listeners()));
        if (end > parts.tail.end) await this.catchUp();
      } while (this.reportAgain);
    } catch {
      // The next change reports again; the room's answers to its news carry the count meanwhile.
    } finally {
      this.reporting = false;
    }
    const { sockets, comet } = this.listeners();
    if (sockets + comet === 0) this.forgetAll();
  }

  /** Nobody is left: nothing is kept, and the next listener starts this relay afresh. */
  private forgetAll(): void {
    this.ctx.storage.kv.delete("setup");
    this.parts = null;
  }

  override webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): void {
    const parts = this.parts;
    if (parts === null) return ws.close(1012, "The relay restarted; connect again");
    if (!heldSocketMessage(this.ctx, ws, message, parts.longpoll)) parts.sockets.message(ws, message);
  }

  override webSocketClose(ws: WebSocket, code: number): void {
    this.socketGone(ws, code);
  }

  override webSocketError(ws: WebSocket): void {
    this.socketGone(ws, 1006);
  }

  private socketGone(ws: WebSocket, code: number): void {
    const parts = this.parts;
    if (parts === null) return;
    if (!heldSocketClosed(this.ctx, ws, parts.longpoll)) parts.sockets.closed(ws, code);
  }

  override async alarm(): Promise<void> {
    this.parts?.sockets.presenceDue();
  }
}
