import { DurableObject } from "cloudflare:workers";
import { Clock } from "../clock";
import { serverVersion, siteConfig, type RoomConfig } from "../config";
import { errorResponse, HttpError } from "../http/errors";
import type { RoomResult } from "../protocol/room-result";
import type { RoomStatus } from "../protocol/status";
import type { AdminCommand, AdminReport } from "../protocol/admin";
import type { ExportDay, ExportStatus, ImportReply, ImportStatus, TransferCommand } from "../protocol/transfer";
import { runAdminCommand } from "./access/admin";
import { LoginThrottle } from "./access/login-throttle";
import { changePassword, checkLogin, type LoginResult } from "./access/sign-in";
import { archiveClosedDays, nextRunAt, RETRY_AFTER_MS, type ArchiveBucket, type ArchiveRun } from "./archive/archiver";
import { ClientRegistry } from "./live/clients";
import { Fanout } from "./live/fanout";
import { NewsEncoder } from "./live/news";
import { Admission } from "./posting/admission";
import { AuthorSecrets } from "./posting/author-secrets";
import { PostLimiter } from "./posting/post-limiter";
import { WritePath } from "./posting/write-path";
import { runTransfer } from "./import/transfer";
import { routeInRoom, type RoomView } from "./routes";
import { RoomSearch } from "./search/room-search";
import { ArchiveIndex } from "./storage/archive-days";
import { AuditLog } from "./storage/audit-log";
import { BlocklistStore } from "./storage/blocklist";
import { CurrentLog } from "./storage/current-log";
import { ImportedDays } from "./storage/imported-days";
import { PostIds } from "./storage/post-ids";
import { RoomMeta } from "./storage/room-meta";
import { migrate } from "./storage/schema";
import { Users } from "./storage/users";
import { LongPoll } from "./transports/longpoll";
import { Sockets } from "./transports/sockets";
import { roomStatus } from "./views/status";

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
  readonly clock = new Clock();
  readonly meta: RoomMeta;
  readonly log: CurrentLog;
  readonly archiveIndex: ArchiveIndex;
  readonly audit: AuditLog;
  readonly users: Users;
  readonly blocklist: BlocklistStore;
  readonly postIds: PostIds;
  readonly imported: ImportedDays;
  readonly clients: ClientRegistry;
  readonly search: RoomSearch;
  /** Where day archives go; a seam for tests that inject failures. */
  archiveBucket: ArchiveBucket;
  /** Requests this instance has answered: tests count how many polls reach the room. */
  requestsServed = 0;
  private configured: Configured | null = null;
  private alarmChecked = false;
  private readonly throttle = new LoginThrottle();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    migrate(ctx.storage);
    const sql = ctx.storage.sql;
    this.meta = new RoomMeta(sql);
    // Every entry the log takes is searchable in the transaction that stores it.
    this.log = new CurrentLog(ctx.storage, (entry) => this.search.index.indexPosted(entry));
    this.archiveIndex = new ArchiveIndex(sql);
    this.audit = new AuditLog(sql);
    this.users = new Users(sql);
    this.blocklist = new BlocklistStore(sql);
    this.postIds = new PostIds(sql);
    this.imported = new ImportedDays(sql);
    this.search = new RoomSearch(ctx.storage, this.archiveIndex, this.log);
    this.archiveBucket = env.ARCHIVE;
    this.clients = new ClientRegistry(this.clock, ctx.getWebSockets().length, () => this.configured?.fanout.presence());
    // Keep-alive pings are answered without waking the room.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  /**
   * Which room this is: the name the runtime gives the object when it names a
   * configured room, else the name recorded on an earlier request (objects made
   * before the runtime gave names), else the name in the request's URL.
   */
  private roomName(fromUrl?: string): string | null {
    const rooms = siteConfig(this.env).rooms;
    const given = this.ctx.id.name;
    if (given !== undefined && rooms.has(given)) return given;
    return this.meta.name() ?? fromUrl ?? null;
  }

  /** The room's configured parts; the first event that can name the room makes them. */
  private room(fromUrl?: string): Configured {
    if (this.configured !== null) return this.configured;
    const site = siteConfig(this.env);
    const name = this.roomName(fromUrl);
    const config = name === null ? undefined : site.rooms.get(name);
    if (config === undefined) throw new HttpError(404, "No such room");
    this.meta.recordName(config.name);
    this.configured = this.assemble(config, site.cometHoldMs, site.postsPerMinute);
    return this.configured;
  }

  /** Wires the live parts: one publish path (fan-out to long-poll and sockets), one write path. */
  private assemble(config: RoomConfig, holdMs: number, postsPerMinute: number): Configured {
    const { clients, clock, log } = this;
    const ver = serverVersion();
    const news = new NewsEncoder(log, { roomUrl: `/${config.name}/`, imageMaxPx: config.imageMaxPx });
    const longpoll = new LongPoll(holdMs, ver, (cid) => clients.stopWaiting(cid));
    let writePath: WritePath | null = null;
    let told: Fanout | null = null;
    const sockets = new Sockets({
      ctx: this.ctx,
      clients,
      news,
      ver,
      clock,
      submit: (post) => writePath!.submit(post),
      publishNow: () => told!.publish(),
      published: () => told!.published(),
    });
    // Listeners hear of entries once they are durable: told after the commit, not held by the output gate.
    const fanout = new Fanout([longpoll, sockets], news, () => clients.count(), () => this.ctx.storage.sync());
    told = fanout;
    const admission = new Admission(config.name, this.blocklist, new PostLimiter(postsPerMinute), this.audit, clock);
    const authorSecrets = new AuthorSecrets(this.meta);
    writePath = new WritePath(this.ctx.storage, log, this.postIds, admission, fanout, authorSecrets, clock);
    const room = this;
    return {
      config,
      ver,
      holdMs,
      clock,
      log,
      clients,
      news,
      longpoll,
      sockets,
      fanout,
      writePath,
      admission,
      authorSecrets,
      audit: this.audit,
      search: this.search,
      searchIndex: this.search.index,
      archiveIndex: this.archiveIndex,
      archive: () => room.archiveBucket,
      requestsServed: () => room.requestsServed,
    };
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

  /** Arms the alarm once per instance: for the archiver when none is set, at once while search has work (backfill, merging). */
  private async ensureAlarm(): Promise<void> {
    if (this.alarmChecked) return;
    this.alarmChecked = true;
    const now = this.clock.now();
    const wanted = this.search.hasWork() ? now : nextRunAt(now);
    const armed = await this.ctx.storage.getAlarm();
    if (armed === null || armed > wanted) await this.ctx.storage.setAlarm(wanted);
  }

  override async fetch(request: Request): Promise<Response> {
    this.requestsServed++;
    try {
      const url = new URL(request.url);
      const slash = url.pathname.indexOf("/", 1);
      const room = this.room(url.pathname.slice(1, slash < 0 ? undefined : slash));
      await this.ensureAlarm();
      return await routeInRoom(request, url, slash < 0 ? "" : url.pathname.slice(slash + 1), room);
    } catch (error) {
      return errorResponse(error);
    }
  }

  /** Runs an RPC method for the Worker: a refusal comes back as its status and reason, the one shape the Worker turns into a response. */
  private async rpc<T>(roomName: string, run: (room: Configured) => T | Promise<T>): Promise<RoomResult<T>> {
    try {
      const room = this.room(roomName);
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
    return this.rpc(roomName, (room) => checkLogin(this.signInRoom(room), this.throttle, this.env.FIRST_USER, { user, password, ip }));
  }

  /** A signed-in user changes their own password; the value is what was wrong, or null when done. */
  changePassword(roomName: string, user: string, current: string, next: string): Promise<RoomResult<string | null>> {
    return this.rpc(roomName, (room) => changePassword(this.signInRoom(room), user, current, next));
  }

  /** An administrator's command (the Worker has checked the admin token). */
  admin(roomName: string, command: AdminCommand): Promise<RoomResult<AdminReport>> {
    return this.rpc(roomName, (room) =>
      runAdminCommand({ ...this.signInRoom(room), blocklist: this.blocklist, archiveIndex: this.archiveIndex, archive: room.archive, log: this.log, fanout: room.fanout, search: this.search, searchIndex: this.search.index }, command),
    );
  }

  /** An import or export step (the Worker has checked the admin token). */
  transfer(roomName: string, command: TransferCommand): Promise<RoomResult<ImportStatus | ImportReply | ExportStatus | ExportDay>> {
    return this.rpc(roomName, (room) =>
      runTransfer({ ...room, meta: this.meta, imported: this.imported, blocklist: this.blocklist, users: this.users, audit: this.audit, searchIndex: this.search.index }, command),
    );
  }

  private signInRoom(room: Configured) {
    return { config: room.config, clock: this.clock, users: this.users, audit: this.audit };
  }

  override webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): void {
    this.room().sockets.message(ws, message);
  }

  override webSocketClose(ws: WebSocket, code: number): void {
    this.room().sockets.closed(ws, code);
  }

  override webSocketError(ws: WebSocket): void {
    this.room().sockets.closed(ws, 1006);
  }

  /**
   * The one alarm runs every job: the archiver, then search's work (its
   * backfill, merging its index). It always re-arms: for the next midnight,
   * sooner after a failure, at once while search has more to do.
   */
  override async alarm(): Promise<void> {
    const name = this.roomName();
    if (name === null) return;
    let next: number;
    try {
      const run = await this.archive(name);
      if (run.written.length + run.found.length + run.trimmed > 0) {
        console.log(JSON.stringify({ event: "archived", room: name, ...run }));
      }
      next = nextRunAt(this.clock.now());
    } catch (error) {
      console.error(JSON.stringify({ event: "archive-failed", room: name, error: String(error) }));
      next = this.clock.now() + RETRY_AFTER_MS;
    }
    const searchAt = await this.search.runFromAlarm(name, this.archiveBucket, () => this.clock.now());
    await this.ctx.storage.setAlarm(searchAt === null ? next : Math.min(next, searchAt));
  }

  archive(name: string): Promise<ArchiveRun> {
    return archiveClosedDays(name, this.clock.now(), this.log, this.archiveIndex, this.archiveBucket);
  }
}
