import type { CometFormat } from "./comet-reply";
import type { Entry } from "./entry";

/**
 * How a room and its relay objects speak (src/room/live/relays.ts,
 * src/relay/relay.ts). A room past `listeners_per_object` answers a new
 * socket or a comet request it would hold with the name of a relay in
 * RELAY_HEADER; the Worker sends the request there instead, and never passes
 * the header on. The room hands each batch of new entries once to each relay,
 * which renders and delivers it to its own listeners.
 */
export const RELAY_HEADER = "X-Chaton-Relay";

/** The comet hold a room hands to a relay, as `<cid> <pos> <format> <hold ms>`: set by the Worker from the room's answer. */
export const RELAY_HOLD_HEADER = "X-Chaton-Relay-Hold";

/** A comet request the room hands to a relay to hold. */
export interface RelayHold {
  cid: number;
  pos: number;
  format: CometFormat;
  holdMs: number;
}

export function writeRelayHold(hold: RelayHold): string {
  return `${hold.cid} ${hold.pos} ${hold.format} ${hold.holdMs}`;
}

export function readRelayHold(header: string | null): RelayHold | null {
  const match = /^(\d+) (\d+) (html|json|sexpr) (\d+)$/.exec(header ?? "");
  if (match === null) return null;
  return { cid: Number(match[1]), pos: Number(match[2]), format: match[3] as CometFormat, holdMs: Number(match[4]) };
}

/** Relay `index` of the room whose object is named `room`. */
export function relayName(room: string, index: number): string {
  return `${room}/${index}`;
}

/** The room's object name and the relay's index in a relay's name; null for any other name. */
export function relayOf(name: string): { room: string; index: number } | null {
  const slash = name.lastIndexOf("/");
  const index = Number(name.slice(slash + 1));
  if (slash <= 0 || !Number.isInteger(index) || index < 0 || String(index) !== name.slice(slash + 1)) return null;
  return { room: name.slice(0, slash), index };
}

/** The listeners a relay holds: the room counts its sockets as chatters (comet clients it counts by client id). */
export interface RelayListeners {
  sockets: number;
  comet: number;
}

/**
 * Entries of the room: every entry of its log after `base` up to `end` (an
 * entry deleted since is not there), addresses left out. The entries after
 * `from` are new; `base` is one before it, so the entry at `from`, when the
 * log has it, continues the HTML's group as it does in the room.
 */
export interface RelayBatch {
  from: number;
  base: number;
  entries: Entry[];
  /** The room's end: the position of its newest entry. */
  end: number;
  /** The room's chatters. */
  nc: number;
}

/** What a relay renders with, and the entries it asked for: a relay's sync with its room. */
export interface RelaySync extends Omit<RelayBatch, "from"> {
  /** The room's own path (/<name>/) and image size, as the room renders with them. */
  roomUrl: string;
  imageMaxPx: number;
}

/** What became of a post, settled (its grant made): what a socket's ack says, in the room or on a relay. */
export type PostResult =
  | { kind: "stored" | "repeated" | "blocked" | "empty"; pos: number; grant: { permalink: string; secret: string } | null }
  | { kind: "rate-limited"; retryAfter: number };
