/** chaton-client: read and post in Chaton rooms (Chaton for Workers and the original Gauche server). */
export { ChatonClient, type ConnectOptions, type PostOptions, type PostResult } from "./client.js";
export type { ChatonEvent, ChatEntry, ConnectionState } from "./events.js";
export { memoryStore, parseCursor, formatCursor, type Cursor, type CursorStore } from "./cursor.js";
export {
  ChatonError,
  ClosedError,
  ConnectionError,
  PostRefusedError,
  PostTimeoutError,
  RateLimitedError,
} from "./errors.js";
export { permalinkOf, entryAnchor } from "./permalink.js";
export { search, searchPage, type SearchOptions } from "./search.js";
export type { BackoffOptions } from "./backoff.js";
export type { ReplyFormat } from "./replies.js";
export type { TransportName } from "./transports/link.js";
export type { SocketConstructor, SocketLike } from "./transports/socket.js";
export type * from "./wire.js";
export { MSGID_PATTERN } from "./wire.js";
