/**
 * A Chaton room seen from a bot: the events after a position, in order, with
 * no gap and no duplicate across reconnects, and posts that are stored once.
 */
import { Backoff, sleep, type BackoffOptions } from "./backoff.js";
import type { Cursor, CursorStore } from "./cursor.js";
import { ClosedError, ConnectionError, PostRefusedError, PostTimeoutError, type ChatonError } from "./errors.js";
import type { ChatonEvent, ChatEntry, ConnectionState } from "./events.js";
import type { Fetch } from "./http.js";
import { permalinkOf } from "./permalink.js";
import { newMsgid, postOverHttp } from "./poster.js";
import { EventQueue } from "./queue.js";
import type { ReplyFormat } from "./replies.js";
import { login, type Session } from "./session.js";
import { CometTransport } from "./transports/comet.js";
import type { Batch, Link, LinkSink, Transport, TransportName } from "./transports/link.js";
import { SocketTransport, type SocketConstructor } from "./transports/socket.js";
import type { ClientFrame } from "./wire.js";

export interface ConnectOptions {
  /** The client's name, which the server logs at login (default "chaton-client"). */
  who?: string;
  /** Where to begin when the store holds no cursor: "now" (default), "log" (the whole current log), or a position. */
  since?: "now" | "log" | number;
  /** "auto" (default): WebSocket, falling back to comet where sockets are refused; "ws"; or "comet". */
  transport?: "auto" | "ws" | "comet";
  /** The reply format of apilogin, comet and the poster: "json" (default) or "sexpr" (s=1, as the Gauche client reads). */
  format?: ReplyFormat;
  /** Keeps the cursor after each event, and gives the one to resume from. */
  store?: CursorStore;
  /** Aborting it closes the client. */
  signal?: AbortSignal;
  fetch?: Fetch;
  /** The WebSocket to use (default: the runtime's; Node 20 has none, so "auto" uses comet there). null: none. */
  WebSocket?: SocketConstructor | null;
  /** Delays between reconnects and between the repeats of a post. */
  backoff?: BackoffOptions;
  /** A post not acknowledged within this long fails with PostTimeoutError (default 5 minutes, inside the room's 10-minute memory of msgids). */
  postTimeoutMs?: number;
  /** How long a comet request may be held before it is given up (default 6.5 minutes). */
  cometTimeoutMs?: number;
  /** How often the socket sends "ping" (default 30 s); a socket silent for two intervals is reconnected. */
  pingIntervalMs?: number;
}

export interface PostOptions {
  /** Your own id for the post (1-64 of [A-Za-z0-9_.:-]); default: a fresh random one. */
  msgid?: string;
}

export interface PostResult {
  /** Always true: a post that is not stored rejects. */
  stored: true;
  /** The entry's position; null from an original Gauche server, whose poster does not tell it. */
  pos: number | null;
  msgid: string;
}

/** The pieces a client runs on; connect() makes them, tests pass stubs. */
export interface ClientParts {
  session: Session;
  mode: "auto" | "ws" | "comet";
  format: ReplyFormat;
  /** The socket transport, when the mode and the runtime allow one. */
  socket: Transport | null;
  comet: Transport;
  /** Logs in again: how "auto" checks that plain HTTP works before it gives up sockets. */
  relogin(signal: AbortSignal): Promise<Session>;
  start: Cursor;
  store?: CursorStore;
  fetch?: Fetch;
  backoff?: BackoffOptions;
  postTimeoutMs?: number;
}

interface Queued {
  event: ChatonEvent;
  /** Where to resume once this event is handled; absent for events that do not move the position. */
  cursor?: Cursor;
}

interface PendingPost {
  id: string;
  msgid: string;
  nick: string;
  text: string;
  deadline: number;
  /** "http" once handed to the poster, which then owns its repeats. */
  viaHttp: boolean;
  timer: ReturnType<typeof setTimeout>;
  resolve(result: PostResult): void;
  reject(error: Error): void;
}

/** After this many socket attempts in a row without a hello, "auto" moves to comet if plain HTTP works. */
const FAILURES_BEFORE_FALLBACK = 3;
const DEFAULT_POST_TIMEOUT_MS = 5 * 60_000;

/** Whether time a is later than time b. */
function later(a: [number, number], b: [number, number]): boolean {
  return a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);
}

const ANCHOR = /^entry-([0-9a-f]+)-([0-9a-f]+)$/;

export class ChatonClient {
  private transport: Transport;
  private link: Link | null = null;
  /** Identifies the current link, so that a late callback of an ended one is ignored. */
  private linkToken: object | null = null;
  private linkUp = false;
  private onGreeted: (() => void) | null = null;
  private switchReason: string | null = null;
  /** What the transports have received up to: the next link asks from here. */
  private serverPos: number;
  /** Set from a cursor that stopped inside a batch: the first batch drops what came at or before it. */
  private resumeAfter: [number, number] | null;
  private nc: number | null = null;
  private readonly queue = new EventQueue<Queued>();
  private current: Cursor;
  private readonly pending = new Map<string, PendingPost>();
  private postCount = 0;
  private readonly backoff: Backoff;
  private readonly controller = new AbortController();
  private running: Promise<void> | null = null;
  private iterating = false;
  private closed = false;

  /** Logs in to the room at `roomUrl` and, for sockets, waits for the room's hello. */
  static async connect(roomUrl: string, options: ConnectOptions = {}): Promise<ChatonClient> {
    const format = options.format ?? "json";
    const who = options.who ?? "chaton-client";
    const mode = options.transport ?? "auto";
    const relogin = (signal?: AbortSignal) => login(roomUrl, { who, format, fetch: options.fetch, signal });
    const session = await relogin(options.signal);
    const stored = (await options.store?.load()) ?? null;
    const since = options.since ?? "now";
    const start: Cursor = stored ?? { pos: since === "now" ? session.pos : since === "log" ? 0 : since };
    if (!Number.isSafeInteger(start.pos) || start.pos < 0) throw new RangeError(`since must be "now", "log" or a position, not ${String(since)}`);

    const WebSocketImpl = options.WebSocket === undefined ? (globalThis.WebSocket as SocketConstructor | undefined) : options.WebSocket;
    if (mode === "ws" && !WebSocketImpl) throw new ConnectionError('this runtime has no WebSocket: pass options.WebSocket, or use transport "comet"');
    const socket =
      mode !== "comet" && WebSocketImpl ? new SocketTransport(session.roomUrl, { WebSocket: WebSocketImpl, pingIntervalMs: options.pingIntervalMs }) : null;
    const comet = new CometTransport(session, { format, fetch: options.fetch, requestTimeoutMs: options.cometTimeoutMs, relogin });
    const client = new ChatonClient({
      session,
      mode,
      format,
      socket,
      comet,
      relogin,
      start,
      store: options.store,
      fetch: options.fetch,
      backoff: options.backoff,
      postTimeoutMs: options.postTimeoutMs,
    });
    if (options.signal) {
      if (options.signal.aborted) client.close();
      else options.signal.addEventListener("abort", () => client.close(), { once: true });
    }
    await client.begin();
    return client;
  }

  constructor(private readonly parts: ClientParts) {
    this.transport = parts.socket ?? parts.comet;
    this.serverPos = parts.start.pos;
    this.resumeAfter = parts.start.after ?? null;
    this.current = parts.start;
    this.backoff = new Backoff(parts.backoff);
  }

  /** The room's name, as apilogin gives it. */
  get roomName(): string {
    return this.parts.session.roomName;
  }

  /** The room's URL, ending in "/". */
  get roomUrl(): string {
    return this.parts.session.roomUrl;
  }

  /** The transport in use now. */
  get transportName(): TransportName {
    return this.transport.name;
  }

  /** Where a client started with this cursor resumes: just after the last event the loop over events() finished with. */
  get cursor(): Cursor {
    return this.current;
  }

  /** The number of chatters last heard of, or null before the first word from the room. */
  get chatters(): number | null {
    return this.nc;
  }

  /**
   * Opens the first socket and waits for its hello. Where it has none ("auto"
   * on an original server, or sockets refused), the client uses comet; with
   * "ws" it fails. Comet starts when events() is first asked for.
   */
  async begin(): Promise<void> {
    if (this.transport.name !== "ws" || this.closed) return;
    const greeted = new Promise<void>((resolve) => (this.onGreeted = resolve));
    this.emitConnection("connecting");
    const link = this.openLink();
    const first = await Promise.race([greeted.then(() => null), link.ended]);
    if (first === null) {
      this.running = this.loop(link);
      return;
    }
    this.dropLink();
    if (this.parts.mode === "ws") {
      this.close();
      throw new ConnectionError(`WebSocket: ${first.reason}`);
    }
    this.fallBackToComet(first.reason);
  }

  /**
   * The room's events, in order, from where the client started. Iterate once.
   * The cursor of an event is saved to the store when the loop asks for the
   * next one, so an event the loop broke out of is delivered again after a restart.
   */
  events(): AsyncGenerator<ChatonEvent, void, undefined> {
    if (this.iterating) throw new Error("events() can be iterated only once per client");
    this.iterating = true;
    if (!this.closed) this.running ??= this.loop(null);
    return this.deliver();
  }

  private async *deliver(): AsyncGenerator<ChatonEvent, void, undefined> {
    for (;;) {
      const item = await this.queue.take();
      if (item === null) return;
      yield item.event;
      if (item.cursor !== undefined) {
        this.current = item.cursor;
        await this.parts.store?.save(item.cursor);
      }
    }
  }

  /**
   * Posts `text` as `nick`. Resolves once the room has stored it; rejects with
   * RateLimitedError, PostRefusedError (also when nothing is left once
   * cleaned), PostTimeoutError or ClosedError. A post that got no answer is
   * sent again, after a reconnect too, with the same msgid, which the room
   * stores only once.
   */
  post(nick: string, text: string, options: PostOptions = {}): Promise<PostResult> {
    if (this.closed) return Promise.reject(new ClosedError());
    return new Promise<PostResult>((resolve, reject) => {
      const timeoutMs = this.parts.postTimeoutMs ?? DEFAULT_POST_TIMEOUT_MS;
      const post: PendingPost = {
        id: `m${++this.postCount}`,
        msgid: options.msgid ?? newMsgid(),
        nick,
        text,
        deadline: Date.now() + timeoutMs,
        viaHttp: false,
        timer: setTimeout(() => this.settle(post, new PostTimeoutError(post.msgid)), timeoutMs),
        resolve,
        reject,
      };
      this.pending.set(post.id, post);
      if (!this.transport.carriesPosts) this.postOverHttp(post);
      else if (this.linkUp) this.link?.send(this.frameOf(post));
      // Otherwise it goes up the socket as soon as the room says hello.
    });
  }

  /** The permalink of an entry (or of any time [sec, usec]) in this room. */
  permalink(entry: Pick<ChatEntry, "time">): string {
    return permalinkOf(this.roomUrl, entry.time[0], entry.time[1]);
  }

  /** Ends the connection, the events (the loop over them ends) and every post not yet answered (ClosedError). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.controller.abort();
    this.link?.close();
    this.queue.close();
    for (const post of [...this.pending.values()]) this.settle(post, new ClosedError());
  }

  /** Reconnects with back-off until closed; `first` is a link already open. */
  private async loop(first: Link | null): Promise<void> {
    let link = first;
    let failures = 0;
    while (!this.closed) {
      if (link === null) {
        this.emitConnection("connecting");
        link = this.openLink();
      }
      const end = await link.ended;
      link = null;
      this.dropLink();
      if (this.closed) return;
      // A room that spreads over relays moves its sockets: at once, from where this one was.
      if (end.moved) continue;
      if (end.greeted) {
        failures = 0;
        this.backoff.reset();
      } else {
        failures++;
      }
      if (this.transport.name === "ws" && this.parts.mode === "auto" && failures >= FAILURES_BEFORE_FALLBACK && (await this.httpAnswers())) {
        this.fallBackToComet(end.reason);
        failures = 0;
        continue;
      }
      const delay = this.backoff.next();
      this.emitConnection("lost", { retryInMs: delay, reason: end.reason });
      await sleep(delay, this.controller.signal);
    }
  }

  private async httpAnswers(): Promise<boolean> {
    try {
      await this.parts.relogin(this.controller.signal);
      return true;
    } catch {
      return false;
    }
  }

  private fallBackToComet(reason: string): void {
    this.transport = this.parts.comet;
    // The next "connecting" event, comet's first, says why.
    this.switchReason = `no WebSocket (${reason}); using comet`;
    for (const post of this.pending.values()) if (!post.viaHttp) this.postOverHttp(post);
  }

  private openLink(): Link {
    const token = {};
    this.linkToken = token;
    this.linkUp = false;
    const link = this.transport.open(this.serverPos, this.sinkFor(token));
    if (this.linkToken === token) this.link = link;
    return link;
  }

  private dropLink(): void {
    this.link = null;
    this.linkToken = null;
    this.linkUp = false;
  }

  private sinkFor(token: object): LinkSink {
    const live = () => this.linkToken === token && !this.closed;
    return {
      greeted: () => {
        if (!live()) return;
        this.linkUp = true;
        this.onGreeted?.();
        this.onGreeted = null;
        this.emitConnection("connected");
        if (this.transport.carriesPosts) {
          // Posts still unanswered, sent on an earlier link or never: the same msgid again.
          for (const post of this.pending.values()) if (!post.viaHttp) this.sendOnLink(post);
        }
      },
      batch: (batch) => live() && this.receive(batch),
      presence: (nc) => live() && this.presence(nc),
      deleted: (anchor) => {
        const match = ANCHOR.exec(anchor);
        if (!live() || match === null) return;
        this.queue.push({ event: { type: "deleted", permalink: permalinkOf(this.roomUrl, parseInt(match[1]!, 16), parseInt(match[2]!, 16)) } });
      },
      ack: (id, stored, pos) => {
        const post = this.pending.get(id);
        if (post === undefined) return;
        this.settle(post, stored ? { stored: true, pos, msgid: post.msgid } : new PostRefusedError("nothing left once cleaned; not stored"));
      },
      refused: (id, error) => {
        const post = this.pending.get(id);
        if (post !== undefined) this.settle(post, error);
      },
    };
  }

  /**
   * A batch becomes one event per entry, each with the cursor that resumes
   * just after it: the entry's own position when the batch numbers its
   * entries one by one (its end minus its start is its length), else the
   * batch's start and the entry's time.
   */
  private receive(batch: Batch): void {
    const base = batch.reset ? 0 : batch.from;
    const count = batch.entries.length;
    const contiguous = batch.end - base === count;
    const after = batch.reset ? null : this.resumeAfter;
    this.resumeAfter = null;
    if (batch.reset) this.queue.push({ event: { type: "reset", pos: batch.end } });
    batch.entries.forEach(([nick, [sec, usec], text], i) => {
      if (after !== null && !later([sec, usec], after)) return;
      const pos = contiguous ? base + i + 1 : i === count - 1 ? batch.end : null;
      const cursor: Cursor = pos !== null ? { pos } : { pos: base, after: [sec, usec] };
      const permalink = permalinkOf(this.roomUrl, sec, usec);
      this.queue.push({ event: { type: "entry", nick, time: [sec, usec], text, pos, permalink }, cursor });
    });
    this.serverPos = batch.end;
    this.presence(batch.nc);
  }

  private presence(nc: number): void {
    if (nc === this.nc) return;
    this.nc = nc;
    this.queue.push({ event: { type: "presence", nc } });
  }

  private emitConnection(state: ConnectionState, extra: { retryInMs?: number; reason?: string } = {}): void {
    if (state === "connecting" && this.switchReason !== null) {
      extra = { ...extra, reason: this.switchReason };
      this.switchReason = null;
    }
    this.queue.push({ event: { type: "connection", state, transport: this.transport.name, ...extra } });
  }

  private frameOf(post: PendingPost): ClientFrame {
    return { type: "post", id: post.id, msgid: post.msgid, nick: post.nick, text: post.text };
  }

  private sendOnLink(post: PendingPost): void {
    this.link?.send(this.frameOf(post));
  }

  private postOverHttp(post: PendingPost): void {
    post.viaHttp = true;
    postOverHttp(post, {
      postUri: this.parts.session.postUri,
      cid: this.parts.session.cid,
      format: this.parts.format,
      deadline: post.deadline,
      backoff: new Backoff(this.parts.backoff),
      fetch: this.parts.fetch,
      signal: this.controller.signal,
    }).then(
      (reply) =>
        this.settle(post, reply.stored ? { stored: true, pos: reply.pos, msgid: post.msgid } : new PostRefusedError("nothing left once cleaned; not stored")),
      (error: ChatonError) => this.settle(post, error),
    );
  }

  private settle(post: PendingPost, outcome: PostResult | Error): void {
    if (!this.pending.delete(post.id)) return;
    clearTimeout(post.timer);
    if (outcome instanceof Error) post.reject(outcome);
    else post.resolve(outcome);
  }
}
