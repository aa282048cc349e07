import type { Clock } from "../clock";
import type { RoomConfig } from "../config";
import type { ArchiveIndex } from "./archive-index";
import type { AuditLog } from "./audit";
import type { BlocklistStore } from "./blocklist-store";
import type { PostLimiter } from "./post-limiter";
import type { Users } from "./users";
import type { ArchiveBucket } from "./archiver";
import type { Clients } from "./clients";
import type { CurrentLog } from "./log";
import type { LongPoll } from "./longpoll";
import type { NewsEncoder } from "./news";
import type { RoomSearch } from "./search/room-search";
import type { Sockets } from "./sockets";

/** What the room's handlers share: one room's state and collaborators. */
export interface RoomContext {
  config: RoomConfig;
  ver: string;
  /** How long a comet request is held before a ping. */
  holdMs: number;
  clock: Clock;
  log: CurrentLog;
  clients: Clients;
  longpoll: LongPoll;
  news: NewsEncoder;
  sockets: Sockets;
  /** The number of chatters: long-poll clients not gone, and open sockets. */
  chatters(): number;
  /** Requests the room's object has answered since it started. */
  requestsServed(): number;
  archiveIndex: ArchiveIndex;
  audit: AuditLog;
  users: Users;
  blocklist: BlocklistStore;
  /** Limits posts per address per minute. */
  postLimiter: PostLimiter;
  search: RoomSearch;
  /** The bucket of day archives (a function, so tests can swap it). */
  archive(): ArchiveBucket;
}
