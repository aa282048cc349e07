import { HttpError } from "../http/errors";
import { hashPassword, passwordProblem } from "../security/passwords";
import type { AuditEntry } from "./audit";
import type { RoomContext } from "./context";
import { deleteEntry, type Deletion } from "./moderation";
import { timeSearch, type SearchTimings } from "./search/bench";
import type { IndexedEntry, IndexStats } from "./search/search-index";

export type AdminCommand =
  | { action: "block"; text: string }
  | { action: "unblock"; text: string }
  | { action: "blocklist" }
  | { action: "add-user"; user: string; password: string }
  | { action: "users" }
  | { action: "delete"; permalink: string }
  | { action: "audit" }
  | { action: "search-fill"; entries: IndexedEntry[] }
  | { action: "search-stats" }
  | { action: "search-time"; q: string; runs: number; scan: boolean }
  | { action: "search-merge" };

export type AdminResult =
  | { ok: true; blocklist?: string; added?: string[]; removed?: string[]; errors?: { line: number; text: string; reason: string }[]; users?: string[]; deleted?: Deletion; audit?: AuditEntry[]; indexed?: number; search?: IndexStats; timings?: SearchTimings }
  | { ok: false; status: number; reason: string };

const ACTOR = "admin";

/** Runs an administrator's command on the room; errors come back as a status and reason. */
export async function runAdminCommand(room: RoomContext, command: AdminCommand): Promise<AdminResult> {
  try {
    return await run(room, command);
  } catch (error) {
    if (error instanceof HttpError) return { ok: false, status: error.status, reason: error.reason };
    throw error;
  }
}

async function run(room: RoomContext, command: AdminCommand): Promise<AdminResult> {
  const now = room.clock.now();
  switch (command.action) {
    case "block": {
      const { added, errors } = room.blocklist.add(command.text, now);
      for (const rule of added) room.audit.record({ at: now, actor: ACTOR, action: "block", target: rule, detail: "" });
      return { ok: true, added, errors, blocklist: room.blocklist.text() };
    }
    case "unblock": {
      const { removed, errors } = room.blocklist.remove(command.text);
      for (const rule of removed) room.audit.record({ at: now, actor: ACTOR, action: "unblock", target: rule, detail: "" });
      return { ok: true, removed, errors, blocklist: room.blocklist.text() };
    }
    case "blocklist":
      return { ok: true, blocklist: room.blocklist.text() };
    case "add-user": {
      if (!/^[^\s:]{1,64}$/.test(command.user)) throw new HttpError(400, "A user name is 1 to 64 characters, no spaces or colons");
      const problem = passwordProblem(command.password);
      if (problem !== null) throw new HttpError(400, problem);
      room.users.save(command.user, await hashPassword(command.password), room.clock.now());
      room.audit.record({ at: room.clock.now(), actor: ACTOR, action: "add-user", target: command.user, detail: "" });
      return { ok: true, users: room.users.names() };
    }
    case "users":
      return { ok: true, users: room.users.names() };
    case "delete":
      return { ok: true, deleted: await deleteEntry(room, command.permalink, ACTOR) };
    case "audit":
      return { ok: true, audit: room.audit.recent() };
    // For benchmarks: entries straight into the search index (not the log or the archives), its sizes, timed queries.
    case "search-fill":
      return { ok: true, indexed: room.search.index.indexImported(command.entries) };
    case "search-stats":
      return { ok: true, search: room.search.index.stats() };
    case "search-time":
      return { ok: true, timings: timeSearch(room.search, command.q, command.runs, command.scan) };
    case "search-merge": {
      // What the alarm does a few steps at a time, to the end.
      for (let steps = 0; steps < 10_000 && room.search.merge(1); steps++);
      return { ok: true, search: room.search.index.stats() };
    }
  }
}
