/** The admin API between the Worker (which checks the token and reads the request) and the room. */

import type { HookInfo, NewHook } from "./webhooks";

export type AdminCommand =
  | { action: "block"; text: string }
  | { action: "unblock"; text: string }
  | { action: "blocklist" }
  // The allowlist: addresses and ranges held to no posting or login limit.
  | { action: "allow"; text: string }
  | { action: "disallow"; text: string }
  | { action: "allowlist" }
  | { action: "add-user"; user: string; password: string }
  | { action: "users" }
  | { action: "delete"; permalink: string }
  | { action: "audit" }
  // For benchmarks: entries straight into the search index (not the log or the archives), its sizes, timed queries, merging.
  | { action: "search-fill"; entries: IndexedEntry[] }
  | { action: "search-stats" }
  | { action: "search-time"; q: string; runs: number; scan: boolean }
  | { action: "search-merge" }
  // Webhooks: `origin` is the site's, for the URLs and permalinks the hook gives.
  | { action: "hook-add"; name: string; to: string | null; origin: string }
  | { action: "hooks" }
  | { action: "hook-remove"; id: string };

/** What search keeps of an entry. */
export interface IndexedEntry {
  nick: string;
  sec: number;
  usec: number;
  text: string;
}

export interface SearchIndexStats {
  entries: number;
  /** UTF-8 bytes of the nicks and texts kept. */
  textBytes: number;
  /** Bytes of the trigram index's own tables (segments, their index, document sizes). */
  indexBytes: number;
  /** The whole database of the room. */
  databaseBytes: number;
  segments: number;
}

export interface SearchTimings {
  q: string;
  /** Milliseconds per query, one figure per sample: the index, and the floor that reads every row with instr(). */
  indexedMs: number[];
  scanMs: number[];
  /** The first page of each, as [sec, usec] pairs, and whether they are the same. */
  indexed: [number, number][];
  scan: [number, number][];
  same: boolean;
  /** How many entries match in all (from the scan). */
  matches: number;
}

/** An entry deleted by its permalink, and where it was found. */
export interface Deletion {
  anchor: string;
  nick: string | null;
  fromLog: boolean;
  fromArchive: boolean;
}

/** A line of the room's audit log: what administrators did, and what the room refused. */
export interface AuditEntry {
  at: number;
  actor: string;
  action: string;
  target: string;
  detail: string;
}

/** What a command did; a refusal comes back as a status and reason instead. */
export interface AdminReport {
  blocklist?: string;
  allowlist?: string;
  added?: string[];
  removed?: string[];
  errors?: { line: number; text: string; reason: string }[];
  users?: string[];
  deleted?: Deletion;
  audit?: AuditEntry[];
  indexed?: number;
  search?: SearchIndexStats;
  timings?: SearchTimings;
  hooks?: HookInfo[];
  hook?: NewHook;
}
