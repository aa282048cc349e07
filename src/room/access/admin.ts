import { HttpError } from "../../http/errors";
import { hashPassword, passwordProblem } from "../../security/passwords";
import type { AdminCommand, AdminReport } from "../../protocol/admin";
import { USER_NAME } from "../../protocol/user-name";
import type { AuditLog } from "../storage/audit-log";
import type { AllowlistStore } from "../storage/allowlist";
import type { BlocklistStore } from "../storage/blocklist";
import type { Users } from "../storage/users";
import { timeSearch } from "../search/bench";
import type { RoomSearch } from "../search/room-search";
import type { Webhooks } from "../hooks/webhooks";
import { deleteEntry, type ModerationRoom } from "./moderation";

export interface AdminRoom extends ModerationRoom {
  blocklist: BlocklistStore;
  allowlist: AllowlistStore;
  users: Users;
  audit: AuditLog;
  search: RoomSearch;
  webhooks: Webhooks;
}

const ACTOR = "admin";

/** Runs an administrator's command on the room. */
export async function runAdminCommand(room: AdminRoom, command: AdminCommand): Promise<AdminReport> {
  const now = room.clock.now();
  switch (command.action) {
    case "block": {
      const { added, errors } = room.blocklist.add(command.text, now);
      for (const rule of added) room.audit.record({ at: now, actor: ACTOR, action: "block", target: rule, detail: "" });
      return { added, errors, blocklist: room.blocklist.text() };
    }
    case "unblock": {
      const { removed, errors } = room.blocklist.remove(command.text);
      for (const rule of removed) room.audit.record({ at: now, actor: ACTOR, action: "unblock", target: rule, detail: "" });
      return { removed, errors, blocklist: room.blocklist.text() };
    }
    case "blocklist":
      return { blocklist: room.blocklist.text() };
    case "allow": {
      const { added, errors } = room.allowlist.add(command.text, now);
      for (const rule of added) room.audit.record({ at: now, actor: ACTOR, action: "allow", target: rule, detail: "" });
      return { added, errors, allowlist: room.allowlist.text() };
    }
    case "disallow": {
      const { removed, errors } = room.allowlist.remove(command.text);
      for (const rule of removed) room.audit.record({ at: now, actor: ACTOR, action: "disallow", target: rule, detail: "" });
      return { removed, errors, allowlist: room.allowlist.text() };
    }
    case "allowlist":
      return { allowlist: room.allowlist.text() };
    case "add-user": {
      if (!USER_NAME.test(command.user)) throw new HttpError(400, "A user name is 1 to 64 characters, no spaces or colons");
      const problem = passwordProblem(command.password);
      if (problem !== null) throw new HttpError(400, problem);
      room.users.save(command.user, await hashPassword(command.password), room.clock.now());
      room.audit.record({ at: room.clock.now(), actor: ACTOR, action: "add-user", target: command.user, detail: "" });
      return { users: room.users.names() };
    }
    case "users":
      return { users: room.users.names() };
    case "delete":
      return { deleted: await deleteEntry(room, command.permalink, ACTOR) };
    case "audit":
      return { audit: room.audit.recent() };
    case "search-fill":
      return { indexed: room.search.index.indexImported(command.entries) };
    case "search-stats":
      return { search: room.search.index.stats() };
    case "search-time":
      return { timings: timeSearch(room.search, command.q, command.runs, command.scan) };
    case "hook-add":
      return { hook: await room.webhooks.add(room.config.name, command.name, command.to, command.origin) };
    case "hooks":
      return { hooks: room.webhooks.list() };
    case "hook-remove":
      room.webhooks.remove(command.id);
      return { hooks: room.webhooks.list() };
    case "search-merge": {
      // What the alarm does a few steps at a time, to the end.
      for (let steps = 0; steps < 10_000 && room.search.merge(1); steps++);
      return { search: room.search.index.stats() };
    }
  }
}
