import { DurableObject } from "cloudflare:workers";
import { siteConfig } from "../config";
import { HttpError } from "../http/errors";
import type { ListedRoom } from "../protocol/directory";
import type { RoomResult } from "../protocol/room-result";
import { migrate } from "../room/storage/schema";
import { DIRECTORY_MIGRATIONS } from "./schema";
import { RoomDirectory } from "./room-directory";

/**
 * The room directory: one object (named DIRECTORY_NAME) that owns the list
 * of rooms made at run time. The Worker reads it through a short cache in
 * each isolate (src/worker/directory-cache.ts) and changes it through the
 * admin API; a room made here asks it for its settings when nothing told it yet.
 */
export class Directory extends DurableObject<Env> {
  private readonly rooms: RoomDirectory;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    migrate(ctx.storage, DIRECTORY_MIGRATIONS);
    this.rooms = new RoomDirectory(ctx.storage.sql, siteConfig(env).rooms);
  }

  list(): ListedRoom[] {
    return this.rooms.list();
  }

  find(name: string): ListedRoom | null {
    return this.rooms.find(name);
  }

  create(settings: unknown): RoomResult<ListedRoom> {
    return answer(() => this.rooms.create(settings, Date.now()));
  }

  update(name: string, changes: unknown): RoomResult<ListedRoom> {
    return answer(() => this.rooms.update(name, changes, Date.now()));
  }

  close(name: string): RoomResult<ListedRoom> {
    return answer(() => this.rooms.close(name, Date.now()));
  }
}

/** A refusal comes back as its status and reason, as the room's RPC answers do. */
function answer<T>(run: () => T): RoomResult<T> {
  try {
    return { ok: true, value: run() };
  } catch (error) {
    if (error instanceof HttpError) return { ok: false, status: error.status, reason: error.reason, headers: error.headers };
    throw error;
  }
}
