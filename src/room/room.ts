import { DurableObject } from "cloudflare:workers";
import { Clock } from "../clock";
import { serverVersion, siteConfig } from "../config";
import { errorResponse, HttpError } from "../http/errors";
import { Clients } from "./clients";
import type { RoomContext } from "./context";
import { CurrentLog } from "./log";
import { LongPoll } from "./longpoll";
import { NewsEncoder } from "./news";
import { roomRouter } from "./router";
import { migrate } from "./schema";

/**
 * One chat room. The platform's entry points make sure the room is set up
 * and hand over to the room's router; the logic lives in plain modules.
 */
export class Room extends DurableObject<Env> {
  readonly clock = new Clock();
  readonly log: CurrentLog;
  readonly clients: Clients;
  private context: RoomContext | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    migrate(ctx.storage);
    this.log = new CurrentLog(ctx.storage);
    this.clients = new Clients(this.clock);
  }

  /** The room's context, made on the first request, which names the room. */
  private roomContext(roomName: string): RoomContext {
    if (this.context !== null) return this.context;
    const site = siteConfig(this.env);
    const config = site.rooms.get(roomName);
    if (config === undefined) throw new HttpError(404, "No such room");
    const clients = this.clients;
    this.context = {
      config,
      ver: serverVersion(),
      holdMs: site.cometHoldMs,
      clock: this.clock,
      log: this.log,
      clients,
      longpoll: new LongPoll(site.cometHoldMs, (cid) => clients.stopWaiting(cid)),
      news: new NewsEncoder(this.log, { roomUrl: `/${config.name}/`, imageMaxPx: config.imageMaxPx }),
    };
    return this.context;
  }

  override async fetch(request: Request): Promise<Response> {
    try {
      const roomName = decodeURIComponent(new URL(request.url).pathname.split("/")[1] ?? "");
      return await roomRouter.fetch(request, this.roomContext(roomName));
    } catch (error) {
      return errorResponse(error);
    }
  }
}
