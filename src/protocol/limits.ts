/** Every limit the server enforces on what clients send and how often, in one place; the page takes its form limits from here too. */

/** A text is cut to this many characters (code points), as the original does. */
export const MAX_TEXT_CHARS = 2048;
/** A nickname is cut to this many characters. */
export const MAX_NICK_CHARS = 64;
/** A form body larger than this is refused with 413. */
export const MAX_FORM_BYTES = 32 * 1024;
/**
 * A body without a length found over its cap is read to its end and dropped,
 * up to this much more, so that the client, still sending, reads the 413
 * instead of a reset connection; past it the connection is closed. (Cloudflare
 * refuses bodies over 100 MB before they reach a Worker.)
 */
export const MAX_DRAINED_BYTES = 128 * 1024 * 1024;
/** A URL longer than this is refused with 414. */
export const MAX_URL_CHARS = 2048;
/** A client that is not waiting and has not come back for this long is gone. */
export const CLIENT_GONE_MS = 10_000;
/** Client ids are random integers below this, like the original's. */
export const CID_LIMIT = 2 ** 28;
/** No room hands out more client ids than this at once; apilogin then answers 503. */
export const MAX_CLIENTS = 200_000;
/** An entry header is repeated when the same chatter pauses longer than this. */
export const GROUPING_SECONDS = 240;
/** A WebSocket frame larger than this closes the socket with 1009. */
export const MAX_FRAME_BYTES = 16 * 1024;
/** Frames per socket: a burst of this many, refilled at FRAME_RATE_PER_SECOND; beyond it the socket is closed (1008). */
export const FRAME_BURST = 30;
export const FRAME_RATE_PER_SECOND = 10;
/**
 * Posts per client (a socket, a long-poll client id, or an address and nick
 * when neither): a burst of this many, then CLIENT_POSTS_PER_MINUTE; beyond
 * it a post is refused with the seconds to wait. A person types far slower;
 * a flooding script is stopped after its burst. Defaults of the
 * CLIENT_POST_BURST and CLIENT_POSTS_PER_MINUTE settings.
 */
export const CLIENT_POST_BURST = 8;
export const CLIENT_POSTS_PER_MINUTE = 30;
/**
 * Posts per address per minute in one room (the burst is as large): for
 * everyone behind one address, an office or a school's gateway, so far above
 * one person's rate. Default of the POSTS_PER_MINUTE setting; a room may set its own.
 */
export const ADDRESS_POSTS_PER_MINUTE = 240;
/**
 * New client ids (apilogin, comet without a known cid) per address per minute
 * in one room (the burst is as large): each one counts as a chatter for a while,
 * so this bounds what one address can add to the count. Default of NEW_CLIENTS_PER_MINUTE.
 */
export const NEW_CLIENTS_PER_MINUTE = 120;
/** A room tracks at most this many clients and addresses for its limits; the longest idle are forgotten first. */
export const MAX_TRACKED_LIMIT_KEYS = 10_000;
/** A post repeated with the same nick and msgid within this long is stored once. */
export const MSGID_MEMORY_MS = 10 * 60_000;
/**
 * Listeners (sockets and held comet requests) one object serves before a room
 * spreads the rest over relay objects (a room's `listeners_per_object`): at
 * about 40 us of an object's CPU per delivery (bench, ws), 1,000 listeners
 * take 40 ms of its one thread per post.
 */
export const LISTENERS_PER_OBJECT = 1_000;
export const MIN_LISTENERS_PER_OBJECT = 1;
export const MAX_LISTENERS_PER_OBJECT = 30_000;
/** Presence changes reach sockets at most this often. */
export const PRESENCE_INTERVAL_MS = 3_000;
/** A user name of a private room has at most this many characters. */
export const MAX_USER_CHARS = 64;
/** A password has at least and at most this many characters. */
export const MIN_PASSWORD_CHARS = 8;
export const MAX_PASSWORD_CHARS = 256;
/**
 * Failed sign-ins (and wrong current passwords on the password page) an
 * address may make within the window before it must wait; counted in the
 * room's storage, so they outlive the room's object.
 */
export const MAX_FAILED_LOGINS = 5;
export const FAILED_LOGIN_WINDOW_MS = 15 * 60_000;
/**
 * Failures for one user from any addresses within the same window: higher
 * than an address's, since reaching it locks the user out too while it lasts;
 * low enough that guesses spread over many addresses stay few.
 */
export const MAX_FAILED_LOGINS_PER_USER = 30;
/** A password the room confirmed is taken again without asking it, for this long, in one isolate. */
export const VERIFIED_PASSWORD_MS = 60_000;
/** The current log keeps at least this many entries after the archiver trims it, whatever their day. */
export const KEEP_LAST_ENTRIES = 30;
/** A client-made post id (msgid) is at most this long: part of the wire protocol. */
export { MAX_MSGID_CHARS } from "./wire";
/** An author may delete their own post for this long: part of the wire protocol, shared with the page and the client library. */
export { OWN_DELETE_WINDOW_MS } from "./wire";
/** A search query longer than this many characters is refused with 400. */
export const MAX_SEARCH_QUERY_CHARS = 256;
/** A search query has at most this many words, phrases and operators. */
export const MAX_SEARCH_TERMS = 16;
/** Search results per page. */
export const SEARCH_PAGE_SIZE = 50;
/**
 * A term of 1 or 2 characters is looked up through the trigrams that start
 * with it; when it starts more than this many, the search checks rows for it
 * instead. Many trigrams mean a common term, which a scan from the newest
 * entry finds a page of soon, while an OR of many trigrams costs for each one.
 */
export const MAX_SEARCH_TERM_TRIGRAMS = 64;
/**
 * Entries one page of search may examine beyond the index; a page that
 * reaches it ends early, with a cursor to go on from where it stopped.
 */
export const MAX_SEARCH_EXAMINED = 20_000;
/**
 * A post waits at most this long to be indexed for search, with the posts
 * after it (one transaction for them all: one post's index write costs about
 * as much as its store), unless a search, the archiver or SEARCH_INDEX_BATCH
 * posts waiting come first. The room's alarm brings it: in a room that
 * talks, once per this long (an alarm costs the room as much as a few
 * dozen posts' index writes: at 2 s, 500 sockets and 20 posts a second cost
 * 15% more CPU per delivery); a room that talks fast fills a batch sooner.
 */
export const SEARCH_INDEX_DELAY_MS = 10_000;
export const SEARCH_INDEX_BATCH = 64;
/** The search backfill indexes at most this many archived or logged entries per chunk (one transaction). */
export const SEARCH_BACKFILL_CHUNK = 1_000;
/** ... and at most this many chunks per run of the alarm. */
export const SEARCH_BACKFILL_CHUNKS_PER_RUN = 8;
/**
 * The search index is merged (in the alarm, a bounded step at a time) once
 * it has more than this many segments, down to SEARCH_MERGED_SEGMENTS: every
 * segment costs each term of a query a lookup.
 */
export const SEARCH_MAX_SEGMENTS = 4;
export const SEARCH_MERGED_SEGMENTS = 2;
/** Pages (4 KiB) one merge step writes, and merge steps per run of the alarm. */
export const SEARCH_MERGE_PAGES = 500;
export const SEARCH_MERGE_STEPS_PER_RUN = 4;
/** An admin search-fill request body (benchmarks) is at most this many bytes. */
export const MAX_SEARCH_FILL_BYTES = 16 * 1024 * 1024;
/** An import batch (POST /<room>/admin/import) larger than this is refused with 413. */
export const MAX_IMPORT_BATCH_BYTES = 16 * 1024 * 1024;
/** The Worker reads the room directory (rooms made at run time) again after this long, in each isolate. */
export const DIRECTORY_CACHE_MS = 5_000;
/** The directory holds at most this many rooms made at run time, closed ones included. */
export const MAX_DIRECTORY_ROOMS = 1_000;
/** A room admin request's JSON body (create, update) is at most this many bytes. */
export const MAX_ROOM_ADMIN_BYTES = 16 * 1024;
/** A room has at most this many webhooks, incoming and outgoing together. */
export const MAX_HOOKS_PER_ROOM = 20;
/** A webhook's name (the nick of an incoming hook's posts) has at most this many characters, as a nick. */
export const MAX_HOOK_NAME_CHARS = 64;
/** An outgoing webhook's URL has at most this many characters. */
export const MAX_HOOK_URL_CHARS = 2048;
/** An incoming webhook's body (JSON or a form) larger than this is refused with 413. */
export const MAX_HOOK_BODY_BYTES = 32 * 1024;
/** Posts per incoming webhook: a burst of this many, refilled at HOOK_POSTS_PER_MINUTE; beyond it 429. */
export const HOOK_BURST = 5;
export const HOOK_POSTS_PER_MINUTE = 30;
/** An outgoing delivery not answered within this long failed. */
export const HOOK_DELIVERY_TIMEOUT_MS = 10_000;
/** After a failed delivery the next try waits this long, doubled each failure up to HOOK_RETRY_MAX_MS. */
export const HOOK_RETRY_FIRST_MS = 5_000;
export const HOOK_RETRY_MAX_MS = 10 * 60_000;
/** An outgoing webhook whose deliveries have failed for this long is switched off (and the audit log says so). */
export const HOOK_GIVE_UP_MS = 24 * 60 * 60_000;
/** Deliveries to one outgoing webhook per run of the alarm, and time spent on them; more waiting make the alarm come back at once. */
export const HOOK_DELIVERIES_PER_RUN = 50;
export const HOOK_RUN_BUDGET_MS = 30_000;
/** An outgoing webhook with this many undelivered events is switched off (and audited) rather than skip any. */
export const MAX_HOOK_QUEUE = 100_000;
