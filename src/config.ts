import { BUILD_ID } from "./generated/build";
import type { RoomTable } from "./protocol/directory";
import { removeControls } from "./protocol/entry";
import {
  ADDRESS_POSTS_PER_MINUTE,
  CLIENT_POST_BURST,
  CLIENT_POSTS_PER_MINUTE,
  MAX_LISTENERS_PER_OBJECT,
  MIN_LISTENERS_PER_OBJECT,
  NEW_CLIENTS_PER_MINUTE,
} from "./protocol/limits";

/** Rooms and settings from the environment (wrangler.toml `[vars]`), validated once. */

export type LoginMode = "loose" | "strict";

export interface RoomConfig {
  /** The room's name in the URL: /<name>/ */
  name: string;
  title: string;
  description: string;
  /** The room icon: an absolute URL, or a path on this site. */
  icon: string;
  /** Loose: an unknown client id gets a fresh one. Strict: it gets -1 (session expired). */
  login: LoginMode;
  /** Inline images are shrunk to fit this many pixels. */
  imageMaxPx: number;
  /** Every page and endpoint asks for a user of the room (HTTP basic authentication); login is strict. */
  private: boolean;
  /** Posts each address may make per minute in this room; the site's POSTS_PER_MINUTE when absent. */
  postsPerMinute?: number;
  /** How long a comet request is held here; the site's COMET_HOLD_SECONDS when absent. */
  holdSeconds?: number;
  /** How many listeners one object serves before the room spreads them over relays; LISTENERS_PER_OBJECT when absent. */
  listenersPerObject?: number;
}

export interface SiteConfig {
  rooms: ReadonlyMap<string, RoomConfig>;
  /**
   * Rooms of wrangler.toml whose settings cannot be used, by name (or "#n", its
   * place in ROOMS, when the name itself is unusable), with the reason: each
   * answers 503 with it, and the rest of the site works (the build refuses them first).
   */
  refusedRooms: ReadonlyMap<string, string>;
  /** How long a comet request is held before it is answered with a ping. */
  cometHoldMs: number;
  /**
   * How long after a post a comet request is held inside the room, which
   * stays awake (and billed) that long; past it the room moves what it holds
   * onto sockets to the Worker and may sleep. 0: always on sockets.
   */
  cometInRoomMs: number;
  /** How long the Worker answers status polls without asking the room again; 0: always ask. */
  statusCacheSeconds: number;
  /** Posts each address may make per minute in one room (a room may set its own). */
  postsPerMinute: number;
  /** Posts one client may make at once, then per minute. */
  clientPostBurst: number;
  clientPostsPerMinute: number;
  /** New client ids each address may get per minute in one room. */
  newClientsPerMinute: number;
  /** How fast rooms' clocks run against the real one (CLOCK_RATE): 1, but for tests of limits in real time. */
  clockRate: number;
  /**
   * Origins of other sites trusted to embed a room: they may frame its page,
   * open its WebSocket and post from their pages (ALLOWED_ORIGINS).
   */
  allowedOrigins: readonly string[];
}

export const ROOM_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** A room or site setting that cannot be used; its message says which and why. */
export class ConfigError extends Error {}

function text(room: Record<string, unknown>, key: string, fallback?: string): string {
  const value = room[key] ?? fallback;
  if (typeof value !== "string") throw new ConfigError(`room setting ${key} must be a string`);
  return value;
}

/**
 * Whether a room icon may be used as an image source everywhere it shows (pages,
 * the badge, the manifest): an absolute http(s) URL, or a path on this site.
 * Anything else (javascript:, data:, a protocol-relative //host) is refused.
 */
export function isIconUrl(icon: string): boolean {
  // "//host" and "/\host" name other sites to a browser.
  if (icon.startsWith("/")) return !icon.startsWith("//") && !/[\s\\]/.test(icon);
  try {
    const url = new URL(icon);
    return (url.protocol === "https:" || url.protocol === "http:") && !/\s/.test(icon);
  } catch {
    return false;
  }
}

/** A positive integer setting, or its default when unset. */
function positiveInteger(value: unknown, fallback: number, name: string): number {
  const n = Number(value ?? fallback);
  if (!(Number.isInteger(n) && n >= 1)) throw new ConfigError(`${name} must be a positive integer`);
  return n;
}

/** ALLOWED_ORIGINS: origins (scheme://host[:port]) separated by spaces or commas. */
function parseOrigins(value: unknown): string[] {
  if (value === undefined || value === null || value === "") return [];
  if (typeof value !== "string") throw new ConfigError("ALLOWED_ORIGINS must be a string of origins");
  return value
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((written) => {
      let url: URL;
      try {
        url = new URL(written);
      } catch {
        throw new ConfigError(`ALLOWED_ORIGINS: ${JSON.stringify(written)} is not an origin`);
      }
      if ((url.protocol !== "https:" && url.protocol !== "http:") || url.origin !== written.replace(/\/$/, "")) {
        throw new ConfigError(`ALLOWED_ORIGINS: ${JSON.stringify(written)} is not an origin (scheme://host[:port])`);
      }
      return url.origin;
    });
}

const isPostsPerMinute = (n: unknown): n is number => typeof n === "number" && Number.isInteger(n) && n >= 1;
const isHoldSeconds = (n: unknown): n is number => typeof n === "number" && n > 0 && n <= 120;
const isListenersPerObject = (n: unknown): n is number =>
  typeof n === "number" && Number.isInteger(n) && n >= MIN_LISTENERS_PER_OBJECT && n <= MAX_LISTENERS_PER_OBJECT;

/** The settings a room may have of its own, else the site's or the default: `posts_per_minute`, `hold_seconds`, `listeners_per_object`. */
function roomSettings(room: Record<string, unknown>, name: string): Pick<RoomConfig, "postsPerMinute" | "holdSeconds" | "listenersPerObject"> {
  const settings: Pick<RoomConfig, "postsPerMinute" | "holdSeconds" | "listenersPerObject"> = {};
  const postsPerMinute = room["posts_per_minute"];
  if (postsPerMinute !== undefined) {
    if (!isPostsPerMinute(postsPerMinute)) throw new ConfigError(`room ${name}: posts_per_minute must be a positive integer`);
    settings.postsPerMinute = postsPerMinute;
  }
  const holdSeconds = room["hold_seconds"];
  if (holdSeconds !== undefined) {
    if (!isHoldSeconds(holdSeconds)) throw new ConfigError(`room ${name}: hold_seconds must be a number in (0, 120]`);
    settings.holdSeconds = holdSeconds;
  }
  const listenersPerObject = room["listeners_per_object"];
  if (listenersPerObject !== undefined) {
    if (!isListenersPerObject(listenersPerObject)) {
      throw new ConfigError(`room ${name}: listeners_per_object must be an integer in [${MIN_LISTENERS_PER_OBJECT}, ${MAX_LISTENERS_PER_OBJECT}]`);
    }
    settings.listenersPerObject = listenersPerObject;
  }
  return settings;
}

/** A room's configuration from a `[[vars.ROOMS]]` table, or the same keys given at run time; throws ConfigError. */
export function parseRoom(raw: unknown): RoomConfig {
  if (typeof raw !== "object" || raw === null) throw new ConfigError("each room must be a table");
  const room = raw as Record<string, unknown>;
  const name = text(room, "name");
  if (!ROOM_NAME.test(name)) throw new ConfigError(`room name ${JSON.stringify(name)} must match ${ROOM_NAME}`);
  const isPrivate = room["private"] ?? false;
  if (typeof isPrivate !== "boolean") throw new ConfigError(`room ${name}: private must be true or false`);
  const login = text(room, "login", isPrivate ? "strict" : "loose");
  if (login !== "loose" && login !== "strict") throw new ConfigError(`room ${name}: login must be loose or strict`);
  if (isPrivate && login !== "strict") throw new ConfigError(`room ${name}: a private room uses strict login`);
  const imageMaxPx = room["image_max_px"] ?? 400;
  if (typeof imageMaxPx !== "number" || !Number.isInteger(imageMaxPx) || imageMaxPx < 16) {
    throw new ConfigError(`room ${name}: image_max_px must be an integer of at least 16`);
  }
  const icon = text(room, "icon", "/chaton.svg");
  if (!isIconUrl(icon)) throw new ConfigError(`room ${name}: icon must be an http(s) URL or a path starting with /`);
  return {
    name,
    // An administrator's text too goes into the feed's XML, which cannot hold control characters.
    title: removeControls(text(room, "title", name)),
    description: removeControls(text(room, "description", "")),
    icon,
    login,
    imageMaxPx,
    private: isPrivate,
    ...roomSettings(room, name),
  };
}

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
  if (config.listenersPerObject !== undefined) table.listeners_per_object = config.listenersPerObject;
  return table;
}

export function parseSiteConfig(env: {
  ROOMS: unknown;
  COMET_HOLD_SECONDS?: unknown;
  COMET_IN_ROOM_SECONDS?: unknown;
  STATUS_CACHE_SECONDS?: unknown;
  POSTS_PER_MINUTE?: unknown;
  CLIENT_POST_BURST?: unknown;
  CLIENT_POSTS_PER_MINUTE?: unknown;
  NEW_CLIENTS_PER_MINUTE?: unknown;
  ALLOWED_ORIGINS?: unknown;
  CLOCK_RATE?: unknown;
}): SiteConfig {
  const rawRooms = typeof env.ROOMS === "string" ? JSON.parse(env.ROOMS) : env.ROOMS;
  if (!Array.isArray(rawRooms) || rawRooms.length === 0) throw new ConfigError("ROOMS must list at least one room");
  const rooms = new Map<string, RoomConfig>();
  const refusedRooms = new Map<string, string>();
  rawRooms.forEach((raw: unknown, i: number) => {
    const given = (raw as { name?: unknown } | null)?.name;
    const name = typeof given === "string" && ROOM_NAME.test(given) ? given : `#${i + 1}`;
    try {
      const room = parseRoom(raw);
      if (rooms.has(room.name) || refusedRooms.has(room.name)) {
        refusedRooms.set(`#${i + 1}`, `room ${room.name} is declared twice`);
        return;
      }
      rooms.set(room.name, room);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      refusedRooms.set(name, error.message);
    }
  });
  const holdSeconds = Number(env.COMET_HOLD_SECONDS ?? 25);
  if (!(holdSeconds > 0 && holdSeconds <= 120)) throw new ConfigError("COMET_HOLD_SECONDS must be in (0, 120]");
  const inRoomSeconds = Number(env.COMET_IN_ROOM_SECONDS ?? 3);
  if (!(inRoomSeconds >= 0 && inRoomSeconds <= 60)) throw new ConfigError("COMET_IN_ROOM_SECONDS must be in [0, 60]");
  const statusCacheSeconds = Number(env.STATUS_CACHE_SECONDS ?? 10);
  if (!(Number.isInteger(statusCacheSeconds) && statusCacheSeconds >= 0 && statusCacheSeconds <= 3600)) {
    throw new ConfigError("STATUS_CACHE_SECONDS must be an integer in [0, 3600]");
  }
  return {
    rooms,
    refusedRooms,
    cometHoldMs: holdSeconds * 1000,
    cometInRoomMs: inRoomSeconds * 1000,
    statusCacheSeconds,
    postsPerMinute: positiveInteger(env.POSTS_PER_MINUTE, ADDRESS_POSTS_PER_MINUTE, "POSTS_PER_MINUTE"),
    clientPostBurst: positiveInteger(env.CLIENT_POST_BURST, CLIENT_POST_BURST, "CLIENT_POST_BURST"),
    clientPostsPerMinute: positiveInteger(env.CLIENT_POSTS_PER_MINUTE, CLIENT_POSTS_PER_MINUTE, "CLIENT_POSTS_PER_MINUTE"),
    newClientsPerMinute: positiveInteger(env.NEW_CLIENTS_PER_MINUTE, NEW_CLIENTS_PER_MINUTE, "NEW_CLIENTS_PER_MINUTE"),
    allowedOrigins: parseOrigins(env.ALLOWED_ORIGINS),
    clockRate: parseClockRate(env.CLOCK_RATE),
  };
}

const MAX_CLOCK_RATE = 100;

function parseClockRate(value: unknown): number {
  const rate = Number(value ?? 1);
  if (!(Number.isInteger(rate) && rate >= 1 && rate <= MAX_CLOCK_RATE)) throw new ConfigError(`CLOCK_RATE must be an integer in [1, ${MAX_CLOCK_RATE}]`);
  return rate;
}

/** CLOCK_RATE for a room's clock, made before the site's settings are read: 1 where it is not a usable rate (siteConfig says why). */
export function roomClockRate(env: { CLOCK_RATE?: unknown }): number {
  try {
    return parseClockRate(env.CLOCK_RATE);
  } catch {
    return 1;
  }
}

/**
 * Every setting of `env` that cannot be used, each with the room's name (when
 * it is a room's), the setting and the reason: what the build checks
 * wrangler.toml's [vars] with, before `wrangler dev` or `wrangler deploy`.
 */
export function siteConfigProblems(env: Parameters<typeof parseSiteConfig>[0]): string[] {
  try {
    return [...parseSiteConfig(env).refusedRooms.values()];
  } catch (error) {
    if (error instanceof ConfigError) return [error.message];
    throw error;
  }
}

const parsed = new WeakMap<object, SiteConfig>();

/** The site configuration of `env`, parsed once per isolate. */
export function siteConfig(env: Env): SiteConfig {
  let config = parsed.get(env);
  if (config === undefined) {
    config = parseSiteConfig(env);
    parsed.set(env, config);
  }
  return config;
}

/**
 * The version string clients compare to know the server was redeployed: the
 * build id, a hash of the deployed tree, so a restart of the same code keeps it.
 */
export function serverVersion(): string {
  return BUILD_ID;
}
