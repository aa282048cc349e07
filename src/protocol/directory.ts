import type { RoomConfig } from "../config";

/** The one Durable Object of the Directory class that holds the room directory. */
export const DIRECTORY_NAME = "directory";

/** A room made at run time, as the directory keeps it. */
export interface ListedRoom {
  config: RoomConfig;
  createdAt: number;
  updatedAt: number;
  /** When it was closed (ms); null while open. A closed room's name stays taken. */
  closedAt: number | null;
}

/** A room as `room list` shows it: declared in wrangler.toml, or made at run time. */
export interface RoomListing {
  name: string;
  title: string;
  source: "wrangler.toml" | "directory";
  private: boolean;
  closedAt: number | null;
  /** The room's settings under the keys of wrangler.toml's `[[vars.ROOMS]]`. */
  settings: RoomTable;
}

/** A room's settings under the keys of wrangler.toml's `[[vars.ROOMS]]`, which the admin API takes too. */
export interface RoomTable {
  name: string;
  title: string;
  description: string;
  icon: string;
  login: string;
  image_max_px: number;
  private: boolean;
  posts_per_minute?: number;
  hold_seconds?: number;
}

/** The keys a run-time change may set: all but the name. */
export const ROOM_TABLE_KEYS = ["title", "description", "icon", "login", "image_max_px", "private", "posts_per_minute", "hold_seconds"] as const;

/** A configuration under wrangler.toml's keys: what parseRoom reads back into the same configuration. */
export function roomTable(config: RoomConfig): RoomTable {
  const table: RoomTable = {
    name: config.name,
    title: config.title,
    description: config.description,
    icon: config.icon,
    login: config.login,
    image_max_px: config.imageMaxPx,
    private: config.private,
  };
  if (config.postsPerMinute !== undefined) table.posts_per_minute = config.postsPerMinute;
  if (config.holdSeconds !== undefined) table.hold_seconds = config.holdSeconds;
  return table;
}

/**
 * What a closed room still serves below /<room>/: its archive pages (a/...)
 * and search over them. Everything else answers 410 with a page linking there.
 */
export function readableWhenClosed(rest: string): boolean {
  return rest.startsWith("a/") || rest === "search";
}
