import type { Clock } from "../clock";
import type { RoomConfig } from "../config";
import type { ArchiveIndex } from "./storage/archive-days";
import type { AuditLog } from "./storage/audit-log";
import type { BlocklistStore } from "./storage/blocklist";
import type { PostLimiter } from "./posting/post-limiter";
import type { Users } from "./storage/users";
import type { ArchiveBucket } from "./archive/archiver";
import type { Clients } from "./live/clients";
import type { CurrentLog } from "./storage/current-log";
import type { LongPoll } from "./transports/longpoll";
import type { NewsEncoder } from "./live/news";
import type { Sockets } from "./transports/sockets";

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
  /** The bucket of day archives (a function, so tests can swap it). */
  archive(): ArchiveBucket;
}
