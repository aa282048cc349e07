/** The one Durable Object of the Directory class that holds the room directory. */
export const DIRECTORY_NAME = "directory";

/** A room made at run time, as the directory keeps it: its settings as wrangler.toml would have them. */
export interface ListedRoom {
  settings: RoomTable;
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
  listeners_per_object?: number;
}

/** The keys a run-time change may set: all but the name. */
export const ROOM_TABLE_KEYS = [
  "title",
  "description",
  "icon",
  "login",
  "image_max_px",
  "private",
  "posts_per_minute",
  "hold_seconds",
  "listeners_per_object",
] as const;

/**
 * What a closed room still serves below /<room>/: its archive pages (a/...)
 * and search over them. Everything else answers 410 with a page linking there.
 */
export function readableWhenClosed(rest: string): boolean {
  return rest.startsWith("a/") || rest === "search";
}
