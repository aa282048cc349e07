import { entryAnchor, permalink, type Entry } from "../../protocol/entry";
import type { DeletedEvent, EntryEvent } from "../../protocol/webhooks";

/** An event as it waits in the outbox: its kind, its idempotency key, the exact body every try sends. */
export interface QueuedEvent {
  event: "entry" | "deleted";
  key: string;
  body: string;
}

/** An entry that was deleted: its position when known (the current log knows it; an archive may not). */
export interface DeletedEntry {
  seq: number | null;
  sec: number;
  usec: number;
}

const absolute = (origin: string, room: string, entry: Pick<Entry, "sec" | "usec">) => `${origin}/${room}/${permalink(entry)}`;

export function entryEvent(room: string, origin: string, entry: Entry): QueuedEvent {
  const event: EntryEvent = {
    event: "entry",
    room,
    pos: entry.seq,
    nick: entry.nick,
    time: [entry.sec, entry.usec],
    text: entry.text,
    permalink: absolute(origin, room, entry),
  };
  return { event: "entry", key: `${room}:${entry.seq}`, body: JSON.stringify(event) };
}

export function deletedEvent(room: string, origin: string, deleted: DeletedEntry): QueuedEvent {
  const anchor = entryAnchor(deleted);
  const event: DeletedEvent = {
    event: "deleted",
    room,
    pos: deleted.seq,
    time: [deleted.sec, deleted.usec],
    anchor,
    permalink: absolute(origin, room, deleted),
  };
  return { event: "deleted", key: `${room}:${deleted.seq ?? anchor}:deleted`, body: JSON.stringify(event) };
}
