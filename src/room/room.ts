import { DurableObject } from "cloudflare:workers";
import { Clock } from "../clock";
import { serverVersion, siteConfig } from "../config";
import { errorResponse, HttpError } from "../http/errors";
import { runAdminCommand, type AdminCommand, type AdminResult } from "./admin";
import { runTransfer, type TransferCommand, type TransferResult } from "./import/transfer";
import { ArchiveIndex } from "./archive-index";
import { AuditLog } from "./audit";
import { BlocklistStore } from "./blocklist-store";
import { changePassword, checkLogin, type LoginResult } from "./login";
import { LoginThrottle } from "./login-throttle";
import { PostLimiter } from "./post-limiter";
import { Users } from "./users";
import { archiveClosedDays, nextRunAt, RETRY_AFTER_MS, type ArchiveBucket, type ArchiveRun } from "./archiver";
import { Clients } from "./clients";
import type { RoomContext } from "./context";
import { CurrentLog } from "./log";
import { LongPoll } from "./longpoll";
import { NewsEncoder } from "./news";
import { roomRouter } from "./router";
import { Sockets } from "./sockets";
import { migrate } from "./schema";

/**
 * One chat room. The platform's entry points make sure the room is set up
 * and hand over to plain modules: requests to the room's router, the alarm
 * to the archiver.
 */
export class Room extends DurableObject<Env> {
  readonly clock = new Clock();
  readonly log: CurrentLog;
  readonly clients: Clients;
  readonly archiveIndex: ArchiveIndex;
  readonly sockets: Sockets;
  /** Where day archives go; a seam for tests that inject failures. */
  archiveBucket: ArchiveBucket;
  private context: RoomContext | null = null;
  private alarmChecked = false;
  private readonly throttle = new LoginThrottle();
  /** Requests this instance has answered: tests count how many polls reach the room. */
  requestsServed = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    migrate(ctx.storage);
    this.log = new CurrentLog(ctx.storage);
    this.clients = new Clients(this.clock);
    this.archiveIndex = new ArchiveIndex(ctx.storage.sql);
    this.archiveBucket = env.ARCHIVE;
    this.sockets = new Sockets(ctx);
    // Keep-alive pings are answered without waking the room.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  /** The room's name, recorded on its first request for the alarm, which has no URL. */
  private roomName(fromUrl?: string): string | null {
    const sql = this.ctx.storage.sql;
    const stored = sql.exec<{ value: string }>("SELECT value FROM room_meta WHERE key = 'name'").toArray()[0]?.value ?? null;
    if (fromUrl !== undefined && stored !== fromUrl) {
      sql.exec("INSERT OR REPLACE INTO room_meta (key, value) VALUES ('name', ?)", fromUrl);
      return fromUrl;
    }
    return stored;
  }

  /**
   * The room's context, made on the first event: a request names the room;
   * a socket event after hibernation finds the name in storage.
   */
  private roomContext(roomName?: string): RoomContext {
    if (this.context !== null) return this.context;
    const site = siteConfig(this.env);
    const name = roomName ?? this.roomName();
    const config = name === null ? undefined : site.rooms.get(name);
    if (config === undefined) throw new HttpError(404, "No such room");
    this.roomName(config.name);
    const { clients, sockets } = this;
    const context: RoomContext = {
      config,
      ver: serverVersion(),
      holdMs: site.cometHoldMs,
      clock: this.clock,
      log: this.log,
      clients,
      sockets,
      chatters: () => clients.count() + sockets.count,
      requestsServed: () => this.requestsServed,
      archiveIndex: this.archiveIndex,
      archive: () => this.archiveBucket,
      audit: new AuditLog(this.ctx.storage.sql),
      users: new Users(this.ctx.storage.sql),
      blocklist: new BlocklistStore(this.ctx.storage.sql),
      postLimiter: new PostLimiter(site.postsPerMinute),
      longpoll: new LongPoll(site.cometHoldMs, (cid) => clients.stopWaiting(cid)),
      news: new NewsEncoder(this.log, { roomUrl: `/${config.name}/`, imageMaxPx: config.imageMaxPx }),
    };
    this.context = context;
    return context;
  }

  /** Arms the archiver once per instance when no alarm is set. */
  private async ensureAlarm(): Promise<void> {
    if (this.alarmChecked) return;
    this.alarmChecked = true;
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(nextRunAt(this.clock.now()));
  }

  override async fetch(request: Request): Promise<Response> {
    this.requestsServed++;
    try {
      const roomName = decodeURIComponent(new URL(request.url).pathname.split("/")[1] ?? "");
      const context = this.roomContext(roomName);
      await this.ensureAlarm();
      return await roomRouter.fetch(request, context);
    } catch (error) {
      return errorResponse(error);
    }
  }

  /**
   * Checks a user's password (called by the Worker for private rooms). The
   * first user comes from the FIRST_USER secret while the room has none.
   */
  async authenticate(roomName: string, user: string, password: string, ip: string): Promise<LoginResult> {
    const room = this.roomContext(roomName);
    return checkLogin(room, this.throttle, this.env.FIRST_USER, { user, password, ip });
  }

  /** A signed-in user changes their own password. */
  async changePassword(roomName: string, user: string, current: string, next: string): Promise<string | null> {
    return changePassword(this.roomContext(roomName), user, current, next);
  }

  /** An administrator's command (the Worker has checked the admin token). */
  async admin(roomName: string, command: AdminCommand): Promise<AdminResult> {
    return runAdminCommand(this.roomContext(roomName), command);
  }

  /** An import or export step (the Worker has checked the admin token); the archiver is armed for what it brings. */
  async transfer(roomName: string, command: TransferCommand): Promise<TransferResult> {
    const room = this.roomContext(roomName);
    await this.ensureAlarm();
    return runTransfer(room, this.ctx.storage, command);
  }

  override webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): void {
    this.sockets.message(this.roomContext(), ws, message);
  }

  override webSocketClose(ws: WebSocket, code: number): void {
    this.sockets.closed(this.roomContext(), ws, code);
  }

  override webSocketError(ws: WebSocket): void {
    this.sockets.closed(this.roomContext(), ws, 1006);
  }

  /** The archiver. It always re-arms: for the next midnight, or sooner after a failure. */
  override async alarm(): Promise<void> {
    const name = this.roomName();
    if (name === null) return;
    try {
      const run = await this.archive(name);
      if (run.written.length + run.found.length + run.trimmed > 0) {
        console.log(JSON.stringify({ event: "archived", room: name, ...run }));
      }
      await this.ctx.storage.setAlarm(nextRunAt(this.clock.now()));
    } catch (error) {
      console.error(JSON.stringify({ event: "archive-failed", room: name, error: String(error) }));
      await this.ctx.storage.setAlarm(this.clock.now() + RETRY_AFTER_MS);
    }
  }

  archive(name: string): Promise<ArchiveRun> {
    return archiveClosedDays(name, this.clock.now(), this.log, this.archiveIndex, this.archiveBucket);
  }
}
