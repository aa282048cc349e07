/** Every limit the server enforces, in one place. */

/** A text is cut to this many characters (code points), as the original does. */
export const MAX_TEXT_CHARS = 2048;
/** A nickname is cut to this many characters. */
export const MAX_NICK_CHARS = 64;
/** A form body larger than this is refused with 413. */
export const MAX_FORM_BYTES = 32 * 1024;
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
/** Posts per socket: a burst of this many, refilled at POST_RATE_PER_SECOND; beyond it a post is refused. */
export const POST_BURST = 8;
export const POST_RATE_PER_SECOND = 1;
/** Presence changes reach sockets at most this often. */
export const PRESENCE_INTERVAL_MS = 3_000;
/** An import batch (POST /<room>/admin/import) larger than this is refused with 413. */
export const MAX_IMPORT_BATCH_BYTES = 16 * 1024 * 1024;
