import type { Clock } from "../clock";
import type { RoomConfig } from "../config";
import type { Clients } from "./clients";
import type { CurrentLog } from "./log";
import type { LongPoll } from "./longpoll";
import type { NewsEncoder } from "./news";

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
}
