/** Webhooks: what the admin API says of them, and what an outgoing one sends. */

export type HookDirection = "in" | "out";

/** A webhook as `webhook list` shows it; never its secret. */
export interface HookInfo {
  id: string;
  name: string;
  direction: HookDirection;
  /** Outgoing: where events go. */
  to: string | null;
  createdAt: number;
  /** Outgoing: "ok"; "failing" since `failingSince`; "off" once switched off after failing too long. */
  state: "ok" | "failing" | "off";
  failingSince: number | null;
  disabledAt: number | null;
  lastError: string | null;
  /** Outgoing: events waiting to be delivered. */
  queued: number;
}

/** A webhook just made: the only time its secret is shown. */
export interface NewHook {
  id: string;
  name: string;
  direction: HookDirection;
  /** Incoming: the URL to POST to, its secret included. Outgoing: the receiver's URL. */
  url: string;
  /** Outgoing: the key of the signatures (HMAC-SHA-256). Incoming: null (the secret is in the URL). */
  secret: string | null;
}

/** A new entry, as an outgoing webhook POSTs it (JSON). */
export interface EntryEvent {
  event: "entry";
  room: string;
  pos: number;
  nick: string;
  /** [seconds, microseconds] since the epoch, as every format of the room writes it. */
  time: [number, number];
  text: string;
  permalink: string;
}

/** A deleted entry: its position when known (null for one known only by its time), and its permalink. */
export interface DeletedEvent {
  event: "deleted";
  room: string;
  pos: number | null;
  time: [number, number];
  anchor: string;
  permalink: string;
}

export type HookEvent = EntryEvent | DeletedEvent;

/** `sha256=<hex>`: HMAC-SHA-256 of the body's bytes under the hook's secret. */
export const SIGNATURE_HEADER = "X-Chaton-Signature";
/** "entry" or "deleted". */
export const EVENT_HEADER = "X-Chaton-Event";
/**
 * The same for every delivery of one event, so a receiver drops repeats
 * (delivery is at least once): `<room>:<pos>` for an entry, `<room>:<pos>:deleted`
 * (or `<room>:<anchor>:deleted` without a position) for a deletion.
 */
export const IDEMPOTENCY_HEADER = "Idempotency-Key";
