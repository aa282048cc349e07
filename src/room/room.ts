import { DurableObject } from "cloudflare:workers";
import { Clock } from "../clock";
import { parseRoom, roomClockRate, serverVersion, siteConfig, type RoomConfig } from "../config";
import { errorResponse, HttpError } from "../http/errors";
import { DIRECTORY_NAME, readableWhenClosed } from "../protocol/directory";
import type { Entry } from "../protocol/entry";
import type { RoomResult } from "../protocol/room-result";
import type { RoomStatus } from "../protocol/status";
import type { AdminCommand, AdminReport } from "../protocol/admin";
import type { ExportDay, ExportStatus, ImportReply, ImportStatus, TransferCommand } from "../protocol/transfer";
import { runAdminCommand } from "./access/admin";
import { LoginThrottle } from "./access/login-throttle";
import { changePassword, checkLogin, type LoginResult } from "./access/sign-in";
import { archiveClosedDays, nextRunAt, RETRY_AFTER_MS, type ArchiveBucket, type ArchiveRun } from "./archive/archiver";
import { deliverWebhooks, nextDelivery, type HookFetch } from "./hooks/delivery";
import { HookLimiter } from "./hooks/hook-limiter";
import { Webhooks } from "./hooks/webhooks";
import { ClientRegistry } from "./live/clients";
import { Fanout } from "./live/fanout";
import { NewsEncoder } from "./live/news";
import { Pace } from "./live/pace";
import { RelayHub } from "./live/relays";
import { Admission, roomLimits, type AdmissionLimits } from "./posting/admission";
import { AuthorSecrets } from "./posting/author-secrets";
import { settled, WritePath, type PostInput } from "./posting/write-path";
import { runTransfer } from "./import/transfer";
import { routeInRoom, type RoomView } from "./routes";
import { RoomSearch } from "./search/room-search";
import { ArchiveIndex } from "./storage/archive-days";
import { AllowlistStore } from "./storage/allowlist";
import { AuditLog } from "./storage/audit-log";
import { BlocklistStore } from "./storage/blocklist";
import { CurrentLog } from "./storage/current-log";
import { HookOutbox } from "./storage/hook-outbox";
import { Hooks } from "./storage/hooks";
import { ImportedDays } from "./storage/imported-days";
import { PostIds } from "./storage/post-ids";
import { RelayTable } from "./storage/relays";
import { RoomMeta } from "./storage/room-meta";
import { RoomSettings, type StoredSettings } from "./storage/room-settings";
import { migrate } from "./storage/schema";
import { Throttles } from "./storage/throttles";
import { Users } from "./storage/users";
import { restoreHeld } from "./transports/comet";
import { heldCount, heldSocketClosed, heldSocketMessage } from "./transports/held-sockets";
import { InRoomHolds } from "./transports/in-room-holds";
import { LongPoll } from "./transports/longpoll";
import { pageSocketCount, Sockets } from "./transports/sockets";
import { closedRoom } from "./views/closed";
import { roomStatus } from "./views/status";
import { logEvent } from "../log";
import { LISTENERS_PER_OBJECT } from "../protocol/limits";
import { relayName, type PostResult, type RelayListeners, type RelaySync } from "../protocol/relay";

/** The parts of a room that need to know which room it is, made on its first event. */
interface Configured extends RoomView {
  fanout: Fanout;
  admission: Admission;
}

/**
 * One chat room. The platform's entry points (fetch, the RPC methods the
 * Worker calls, socket events, the alarm) make sure the room is set up and
 * hand over to plain modules; this class holds the parts and wires them.
 */
export class Room extends DurableObject<Env> {
  readonly clock: Clock;
  readonly meta: RoomMeta;
  readonly log: CurrentLog;
  readonly archiveIndex: ArchiveIndex;
  readonly audit: AuditLog;
  readonly users: Users;
  readonly blocklist: BlocklistStore;
  readonly allowlist: AllowlistStore;
  readonly throttles: Throttles;
  readonly postIds: PostIds;
  readonly imported: ImportedDays;
  readonly clients: ClientRegistry;
  readonly search: RoomSearch;
  readonly settings: RoomSettings;
  readonly hooks: Hooks;
  readonly hookOutbox: HookOutbox;
  readonly webhooks: Webhooks;
  readonly relayTable: RelayTable;
  readonly hookLimiter = new HookLimiter();
  /** Where day archives go; a seam for tests that inject failures. */
  archiveBucket: ArchiveBucket;
  /** How outgoing webhooks reach their receivers; a seam for tests (a receiver in the test). */
  hookFetch: HookFetch = (request) => fetch(request);
  /** Requests this instance has answered: tests count how many polls reach the room. */
  requestsServed = 0;
  private configured: Configured | null = null;
  /** When an administrator closed this room (a room of the directory), or null. */
  private closedAt: number | null = null;
  private alarmChecked = false;
  /** When the archiver is next due (ms); 0: at the next alarm (this instance has not run it). */
  private archiveDueAt = 0;
  /** The alarm time this instance last set or read; null: not known. */
  private armedAt: number | null = null;
  private readonly signInThrottle: LoginThrottle;
  private readonly passwordThrottle: LoginThrottle;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.clock = new Clock(roomClockRate(env));
    migrate(ctx.storage);
    const sql = ctx.storage.sql;
    this.meta = new RoomMeta(sql);
    // An imported entry is searchable in the transaction that imports it; posts a moment later (search.pending).
    this.log = new CurrentLog(ctx.storage, (entry) => this.search.index.indexStored([entry]));
    this.archiveIndex = new ArchiveIndex(sql);
    this.audit = new AuditLog(sql);
    this.users = new Users(sql);
    this.blocklist = new BlocklistStore(sql);
    this.allowlist = new AllowlistStore(sql);
    this.throttles = new Throttles(sql);
    this.signInThrottle = new LoginThrottle(this.throttles, "sign-in");
    this.passwordThrottle = new LoginThrottle(this.throttles, "password");
    this.postIds = new PostIds(sql);
    this.imported = new ImportedDays(sql);
    this.search = new RoomSearch(ctx.storage, this.archiveIndex, this.log, this.clock, (at) => this.wake(at));
    this.settings = new RoomSettings(sql);
    this.hooks = new Hooks(sql);
    this.hookOutbox = new HookOutbox(sql);
    this.webhooks = new Webhooks({ hooks: this.hooks, outbox: this.hookOutbox, audit: this.audit, clock: this.clock, wake: (at) => this.wake(at) });
    this.relayTable = new RelayTable(sql);
    this.archiveBucket = env.ARCHIVE;
    this.clients = new ClientRegistry(this.clock, pageSocketCount(ctx), () => this.configured?.fanout.presence());
    // Keep-alive pings are answered without waking the room.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
    const name = ctx.id.name ?? this.meta.name();
    logEvent({ event: "room-started", ...(name === null ? {} : { room: name }), held: heldCount(ctx), sockets: this.clients.sockets });
  }

  /**
   * Which room this is, without asking anyone: the room of wrangler.toml the
   * runtime's name for the object gives, else the settings the directory gave
   * a room made at run time, else the room of wrangler.toml named on an
   * earlier request (objects made before the runtime gave names) or in the
   * request's URL.
   */
  private knownConfig(fromUrl?: string): StoredSettings | null {
    const rooms = siteConfig(this.env).rooms;
    const given = this.ctx.id.name;
    if (given !== undefined && rooms.has(given)) return { config: rooms.get(given)!, closedAt: null };
    const stored = this.settings.get();
    if (stored !== null) return stored;
    const name = this.meta.name() ?? fromUrl;
    const config = name === undefined ? undefined : rooms.get(name);
    return config === undefined ? null : { config, closedAt: null };
  }

  /** The room's name for the alarm, which has no request to read it from. */
  private roomName(): string | null {
    return this.knownConfig()?.config.name ?? this.meta.name();
  }

  /** The room's configured parts; the first event that can name the room makes them. */
  private room(fromUrl?: string): Configured {
    if (this.configured !== null) return this.configured;
    const site = siteConfig(this.env);
    const known = this.knownConfig(fromUrl);
    if (known === null) throw new HttpError(404, "No such room");
    const { config } = known;
    this.closedAt = known.closedAt;
    this.meta.recordName(config.name);
    const holdMs = config.holdSeconds === undefined ? site.cometHoldMs : config.holdSeconds * 1000;
    this.configured = this.assemble(config, holdMs, site.cometInRoomMs, roomLimits(config, site));
    return this.configured;
  }

  /**
   * As room(), but a room made at run time that nobody told of its settings
   * (the admin API's word to it failed) asks the directory for them first.
   */
  private async resolve(fromUrl?: string): Promise<Configured> {
    if (this.configured === null && this.knownConfig(fromUrl) === null) {
      const name = this.ctx.id.name ?? fromUrl;
      const listed = name === undefined ? null : await this.env.DIRECTORY.getByName(DIRECTORY_NAME).find(name);
      if (listed !== null && this.settings.get() === null) this.settings.save(parseRoom(listed.settings), listed.closedAt);
    }
    return this.room(fromUrl);
  }

  /** Wires the live parts: one publish path (fan-out to long-poll and sockets), one write path. */
  private assemble(config: RoomConfig, holdMs: number, inRoomMs: number, limits: AdmissionLimits): Configured {
    const { clients, clock, log } = this;
    const ver = serverVersion();
    const news = new NewsEncoder(log, { roomUrl: `/${config.name}/`, imageMaxPx: config.imageMaxPx });
    const longpoll = new LongPoll(ver, (cid) => clients.stopWaiting(cid));
    let writePath: WritePath | null = null;
    let told: Fanout | null = null;
    const sockets = new Sockets({
      ctx: this.ctx,
      clients,
      news,
      ver,
      clock,
      submit: (post) => settled(writePath!.submit(post)),
      publishNow: () => told!.publish(),
      told: () => told!.published(),
      wake: (at) => this.wake(at),
    });
    // Relays are named after the room's object: the one the Worker reaches by the room's name.
    const objectName = this.ctx.id.name ?? config.name;
    const relays = new RelayHub({
      table: this.relayTable,
      peer: (index) => this.env.RELAY.getByName(relayName(objectName, index)),
      name: (index) => relayName(objectName, index),
      clients,
      local: () => clients.sockets + longpoll.size,
      moveOwnSockets: () => sockets.moveAll(),
      rowsSince: (pos) => news.rowsSince(pos),
      limit: () => (this.configured?.config ?? config).listenersPerObject ?? LISTENERS_PER_OBJECT,
      end: () => log.end,
      clock,
      wake: (at) => this.wake(at),
    });
    // Listeners hear of entries once they are durable: told after the commit, not held by the output gate.
    const pace = new Pace(clock, inRoomMs);
    const inRoom = new InRoomHolds({ ctx: this.ctx, name: config.name, longpoll, pace });
    const fanout = new Fanout(
      // Relays first: their hand-offs leave before the room's own deliveries, and they deliver meanwhile.
      [relays, longpoll, sockets, pace, this.search.pending],
      news,
      () => clients.count(),
      () => this.ctx.storage.sync(),
    );
    told = fanout;
    const admission = new Admission(config.name, this.blocklist, this.allowlist, limits, this.audit, clock);
    const authorSecrets = new AuthorSecrets(this.meta);
    // Outgoing webhooks queue each stored entry inside the transaction that stores it.
    const onStored = [(entry: Entry) => this.webhooks.entryStored(config.name, entry)];
    writePath = new WritePath(this.ctx.storage, log, this.postIds, admission, fanout, authorSecrets, clock, onStored);
    const assembled: Configured = {
      ctx: this.ctx,
      config,
      ver,
      holdMs,
      clock,
      log,
      clients,
      news,
      longpoll,
      pace,
      inRoom,
      sockets,
      fanout,
      relays,
      writePath,
      admission,
      webhooks: this.webhooks,
      hookLimiter: this.hookLimiter,
      onDeleted: (deleted) => this.webhooks.entryDeleted(config.name, deleted),
      authorSecrets,
      audit: this.audit,
      search: this.search,
      searchIndex: this.search.index,
      archiveIndex: this.archiveIndex,
      archive: () => this.archiveBucket,
      requestsServed: () => this.requestsServed,
    };
    restoreHeld(assembled);
    return assembled;
  }

  /** The long-poll requests held now (tests and stats). */
  get longpoll(): LongPoll {
    return this.room().longpoll;
  }

  get news(): NewsEncoder {
    return this.room().news;
  }

  get admission(): Admission {
    return this.room().admission;
  }

  get authorSecrets(): AuthorSecrets {
    return this.room().authorSecrets;
  }

  /**
   * Arms the alarm once per instance: for the archiver when none is set, at
   * once while search has work (backfill, merging), when webhooks have events waiting.
   */
  private async ensureAlarm(): Promise<void> {
    if (this.alarmChecked) return;
    this.alarmChecked = true;
    const now = this.clock.now();
    const wanted = Math.min(this.search.hasWork() ? now : nextRunAt(now), nextDelivery(this.hooks, now) ?? Infinity);
    const armed = await this.ctx.storage.getAlarm();
    if (armed === null || armed > wanted) {
      this.armedAt = wanted;
      await this.ctx.storage.setAlarm(wanted);
    } else {
      this.armedAt = armed;
    }
  }

  /** Brings the alarm forward to `at` when it is set later (a job has work sooner); callable inside a transaction. */
  private wake(at: number): void {
    if (this.armedAt !== null && this.armedAt <= at) return;
    this.armedAt = at;
    void this.ctx.storage.setAlarm(at);
  }

  override async fetch(request: Request): Promise<Response> {
    this.requestsServed++;
    try {
      const url = new URL(request.url);
      const slash = url.pathname.indexOf("/", 1);
      const room = await this.resolve(url.pathname.slice(1, slash < 0 ? undefined : slash));
      await this.ensureAlarm();
      const rest = slash < 0 ? "" : url.pathname.slice(slash + 1);
      if (this.closedAt !== null && !readableWhenClosed(rest)) return closedRoom(room, this.closedAt);
      return await routeInRoom(request, url, rest, room);
    } catch (error) {
      return errorResponse(error);
    }
  }

  /** Runs an RPC method for the Worker: a refusal comes back as its status and reason, the one shape the Worker turns into a response. */
  private async rpc<T>(roomName: string, run: (room: Configured) => T | Promise<T>): Promise<RoomResult<T>> {
    try {
      const room = await this.resolve(roomName);
      await this.ensureAlarm();
      return { ok: true, value: await run(room) };
    } catch (error) {
      if (error instanceof HttpError) return { ok: false, status: error.status, reason: error.reason, headers: error.headers };
      throw error;
    }
  }

  /** The status outside pollers read (the Worker caches it). */
  status(roomName: string): Promise<RoomResult<RoomStatus>> {
    this.requestsServed++;
    return this.rpc(roomName, (room) => roomStatus(room));
  }

  /**
   * Checks a user's password (called by the Worker for private rooms). The
   * first user comes from the FIRST_USER secret while the room has none.
   */
  authenticate(roomName: string, user: string, password: string, ip: string): Promise<RoomResult<LoginResult>> {
    return this.rpc(roomName, (room) => checkLogin(this.signInRoom(room), this.signInThrottle, this.env.FIRST_USER, { user, password, ip }));
  }

  /** A signed-in user changes their own password; the value is what was wrong, or null when done (429 after too many wrong ones). */
  changePassword(roomName: string, user: string, current: string, next: string, ip: string): Promise<RoomResult<string | null>> {
    return this.rpc(roomName, (room) => changePassword(this.signInRoom(room), this.passwordThrottle, { user, current, next, ip }));
  }

  /** An administrator's command (the Worker has checked the admin token). */
  admin(roomName: string, command: AdminCommand): Promise<RoomResult<AdminReport>> {
    return this.rpc(roomName, (room) =>
      runAdminCommand(
        {
          ...this.signInRoom(room),
          blocklist: this.blocklist,
          allowlist: this.allowlist,
          archiveIndex: this.archiveIndex,
          archive: room.archive,
          log: this.log,
          fanout: room.fanout,
          search: this.search,
          searchIndex: this.search.index,
          webhooks: this.webhooks,
          onDeleted: room.onDeleted,
        },
        command,
      ),
    );
  }

  /** An import or export step (the Worker has checked the admin token). */
  transfer(roomName: string, command: TransferCommand): Promise<RoomResult<ImportStatus | ImportReply | ExportStatus | ExportDay>> {
    return this.rpc(roomName, (room) =>
      runTransfer(
        { ...room, meta: this.meta, imported: this.imported, blocklist: this.blocklist, users: this.users, audit: this.audit, searchIndex: this.search.index },
        command,
      ),
    );
  }

  /**
   * The directory's word on this room (made at run time): its settings, and
   * whether it is closed. A change of the hold time, image size or post rate
   * makes the parts anew on the next event (a long-poll request held now is
   * answered at its old hold time); closing ends every socket.
   */
  configure(config: RoomConfig, closedAt: number | null): RoomResult<null> {
    if (siteConfig(this.env).rooms.has(config.name)) return { ok: false, status: 409, reason: `Room ${config.name} is declared in wrangler.toml`, headers: {} };
    const given = this.ctx.id.name;
    if (given !== undefined && given !== config.name)
      return { ok: false, status: 409, reason: `This object is room ${given}, not ${config.name}`, headers: {} };
    this.settings.save(config, closedAt);
    this.meta.recordName(config.name);
    const closing = closedAt !== null && this.closedAt === null;
    this.closedAt = closedAt;
    const current = this.configured;
    if (current !== null) {
      const same = (key: "holdSeconds" | "imageMaxPx" | "postsPerMinute") => current.config[key] === config[key];
      if (same("holdSeconds") && same("imageMaxPx") && same("postsPerMinute")) current.config = config;
      else this.configured = null;
    }
    if (closing) {
      for (const ws of this.ctx.getWebSockets()) ws.close(1001, "The room is closed");
      this.configured?.relays.closeAll("The room is closed");
    }
    return { ok: true, value: null };
  }

  /**
   * A relay of this room asks for the entries after `after` (none: it only
   * starts, and takes the room's end), with what it renders them with.
   */
  relaySync(roomName: string, after: number | null): Promise<RoomResult<RelaySync>> {
    return this.rpc(roomName, (room) => {
      const end = this.log.end;
      const base = after === null || after > end ? end : after;
      const entries = base === end ? [] : this.log.since(base).map((entry) => ({ ...entry, ip: "" }));
      return { base, entries, end, nc: room.clients.count(), roomUrl: `/${room.config.name}/`, imageMaxPx: room.config.imageMaxPx };
    });
  }

  /** A post made on a relay's socket: the room's one write path, answered once stored. */
  relayPost(roomName: string, post: PostInput): Promise<RoomResult<PostResult>> {
    return this.rpc(roomName, (room) => {
      if (this.closedAt !== null) throw new HttpError(410, "The room is closed");
      return settled(room.writePath.submit(post));
    });
  }

  /** A relay says what it holds now; the answer is the room's end, which it checks it has. */
  relayListeners(roomName: string, index: number, listeners: RelayListeners): Promise<RoomResult<number>> {
    return this.rpc(roomName, (room) => {
      room.relays.heard(index, listeners);
      return this.log.end;
    });
  }

  private signInRoom(room: Configured) {
    return { config: room.config, clock: this.clock, users: this.users, audit: this.audit };
  }

  override webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): void {
    const room = this.room();
    if (heldSocketMessage(this.ctx, ws, message, room.longpoll)) return;
    if (this.closedAt !== null) ws.close(1001, "The room is closed");
    else room.sockets.message(ws, message);
  }

  override webSocketClose(ws: WebSocket, code: number): void {
    this.socketGone(ws, code);
  }

  override webSocketError(ws: WebSocket): void {
    this.socketGone(ws, 1006);
  }

  private socketGone(ws: WebSocket, code: number): void {
    const room = this.room();
    if (!heldSocketClosed(this.ctx, ws, room.longpoll)) room.sockets.closed(ws, code);
  }

  /**
   * The one alarm runs every job: a change of chatters held back for the
   * sockets, webhook deliveries, the archiver when due, then search's work
   * (posts waiting, its backfill, merging its index). It always re-arms at the earliest time a job
   * needs: the next midnight, sooner after a failure, at once while search has
   * more to do, when a webhook's back-off ends.
   */
  override async alarm(): Promise<void> {
    const name = this.roomName();
    if (name === null) return;
    this.configured?.sockets.presenceDue();
    this.configured?.relays.due();
    try {
      await deliverWebhooks({ hooks: this.hooks, outbox: this.hookOutbox, webhooks: this.webhooks, clock: this.clock, send: this.hookFetch });
    } catch (error) {
      logEvent({ event: "hook-delivery-failed", room: name, error: String(error) });
    }
    // The alarm comes for other jobs too (posts waiting for search, 10 s after them): the archiver runs when due.
    let next = this.archiveDueAt;
    if (this.clock.now() >= this.archiveDueAt) {
      try {
        const run = await this.archive(name);
        if (run.written.length + run.found.length + run.trimmed > 0) {
          logEvent({ event: "archived", room: name, ...run });
        }
        next = this.archiveDueAt = nextRunAt(this.clock.now());
      } catch (error) {
        logEvent({ event: "archive-failed", room: name, error: String(error) });
        // Tried again at the latest then, and at any alarm before.
        next = this.clock.now() + RETRY_AFTER_MS;
        this.archiveDueAt = 0;
      }
    }
    const searchAt = await this.search.runFromAlarm(name, this.archiveBucket, () => this.clock.now());
    // Read last and with no await before setAlarm, so an event queued meanwhile is counted.
    const hooksAt = nextDelivery(this.hooks, this.clock.now());
    this.armedAt = Math.min(next, searchAt ?? Infinity, hooksAt ?? Infinity);
    await this.ctx.storage.setAlarm(this.armedAt);
  }

  /** Archives the closed days and trims them from the log, once search has every post of it. */
  archive(name: string): Promise<ArchiveRun> {
    this.search.pending.indexWaiting();
    return archiveClosedDays(name, this.clock.now(), this.log, this.archiveIndex, this.archiveBucket);
  }
}
