/** The admin API between the Worker (which checks the token and reads the request) and the room. */

export type AdminCommand =
  | { action: "block"; text: string }
  | { action: "unblock"; text: string }
  | { action: "blocklist" }
  | { action: "add-user"; user: string; password: string }
  | { action: "users" }
  | { action: "delete"; permalink: string }
  | { action: "audit" };

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
  added?: string[];
  removed?: string[];
  errors?: { line: number; text: string; reason: string }[];
  users?: string[];
  deleted?: Deletion;
  audit?: AuditEntry[];
}
