/**
 * The one structured logger: every event the Worker and the rooms log is one
 * JSON line with a fixed set of fields (README, "Logs"), read in Workers Logs
 * (observability is on in wrangler.toml) or in `wrangler tail`.
 *
 * Every line has `event` (what happened) and `level` (info, warn or error);
 * the other fields depend on the event and are listed in its type below. No
 * line ever holds a password, a token or a post's text.
 */

/** Where in a room, and from whom: present whenever they are known. */
interface About {
  /** The room's name. */
  room?: string;
  /** The address the request came from (CF-Connecting-IP). */
  ip?: string;
}

export type LogEvent = About &
  (
    | { event: "sign-in-failed"; user: string }
    | { event: "sign-in-throttled"; user: string; retryAfter: number }
    | { event: "password-wrong"; user: string }
    | { event: "password-throttled"; user: string; retryAfter: number }
    | { event: "post-blocked" }
    /** A client or an address went over a posting limit (logged once until it posts within it again). */
    | { event: "post-limited"; limit: "client" | "address"; client: string; retryAfter: number }
    /** An address asked for client ids faster than allowed (logged once until it gets one again). */
    | { event: "clients-limited"; retryAfter: number }
    | { event: "apilogin"; who: string; cid: number }
    /** A browser request from another site refused before it reached the room. */
    | { event: "cross-site-refused"; method: string; path: string; origin: string | null; fetchSite: string | null }
    /** A request body over its cap, refused by the Worker; `declared` is its Content-Length, if any. */
    | { event: "body-too-large"; method: string; path: string; declared: number | null; cap: number }
    | { event: "archived"; written: string[]; found: string[]; trimmed: number }
    | { event: "archive-failed"; error: string }
    /** One import batch that added something: `part` is days, current, blocklist or users. */
    | { event: "imported"; part: string; detail: unknown }
    | { event: "entry-deleted"; actor: string; target: string }
    /** R2 failed during a request; it was answered 503 (the request is safe to repeat). */
    | { event: "r2-failed"; operation: string; error: string }
    | { event: "search-merge-failed"; error: string }
    | { event: "search-backfill-failed"; error: string }
    /** A day the archive index lists and R2 does not have. */
    | { event: "search-backfill-missing-day"; day: string }
    /** An outgoing webhook's receiver failed; the event is tried again later. */
    | { event: "hook-failed"; hook: string; attempts: number; error: string }
    /** An outgoing webhook switched off after a day of failures (its queue dropped; the audit log says so too). */
    | { event: "hook-off"; hook: string; name: string; to: string | null; reason: string; dropped: number }
    | { event: "hook-delivery-failed"; error: string }
    /** The room directory could not be read; the last list read serves meanwhile. */
    | { event: "directory-unreachable"; error: string }
    /** The directory took a change the room did not (the admin command answers 503; running it again finishes it). */
    | { event: "room-not-told"; error: string }
    /** A room's object was made: on its first request, or woken from hibernation; with the comet requests and sockets it kept. */
    | { event: "room-started"; held: number; sockets: number }
    /** A room that held comet requests inside itself while it talked is quiet: `moved` of them went onto sockets to the Worker, `awakeMs` after its first. */
    | { event: "room-quiet"; moved: number; awakeMs: number }
    /** A relay object of a large room was made (first listener, or woken from hibernation), with the comet requests and sockets it kept. */
    | { event: "relay-started"; relay: string; held: number; sockets: number }
    /** A relay could not be told of news; the room's alarm tells it again, and it fetches what it lacks. */
    | { event: "relay-unreachable"; relay: string; error: string }
    /** An error no handler expected (answered with a plain 500): its message and stack, for the operator only. */
    | { event: "unhandled-error"; error: string; stack?: string }
  );

export type LogLevel = "info" | "warn" | "error";

/** Every event and its level: the list README's "Logs" documents. */
export const LOG_EVENT_LEVELS: Readonly<Record<LogEvent["event"], LogLevel>> = {
  "sign-in-failed": "info",
  "sign-in-throttled": "warn",
  "password-wrong": "info",
  "password-throttled": "warn",
  "post-blocked": "info",
  "post-limited": "warn",
  "clients-limited": "warn",
  apilogin: "info",
  "relay-started": "info",
  "relay-unreachable": "warn",
  "cross-site-refused": "warn",
  "body-too-large": "info",
  archived: "info",
  "archive-failed": "error",
  imported: "info",
  "entry-deleted": "info",
  "r2-failed": "error",
  "search-merge-failed": "error",
  "search-backfill-failed": "error",
  "search-backfill-missing-day": "error",
  "hook-failed": "warn",
  "hook-off": "error",
  "hook-delivery-failed": "error",
  "directory-unreachable": "error",
  "room-not-told": "error",
  "room-started": "info",
  "room-quiet": "info",
  "unhandled-error": "error",
};

/** The line an event is logged as. */
export function eventLine(event: LogEvent): string {
  return JSON.stringify({ level: LOG_EVENT_LEVELS[event.event], ...event });
}

/** Logs one event as one JSON line (errors through console.error, so that the runtime marks their level too). */
export function logEvent(event: LogEvent): void {
  const line = eventLine(event);
  const level = LOG_EVENT_LEVELS[event.event];
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}
