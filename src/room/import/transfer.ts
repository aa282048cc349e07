import type { Clock } from "../../clock";
import type { RoomConfig } from "../../config";
import { HttpError } from "../../http/errors";
import { dayOf } from "../../protocol/day";
import { removeControls, type Entry } from "../../protocol/entry";
import type { ExportDay, ExportStatus, ImportBatch, ImportReply, ImportStatus, KeptUser, TransferCommand, TransferEntry } from "../../protocol/transfer";
import { htpasswdFormat } from "../../security/htpasswd-format";
import { parseBlocklist, formatRule } from "../../security/blocklist";
import type { KeptHtpasswdRecord } from "../../security/htpasswd";
import type { ArchiveBucket } from "../archive/archiver";
import { readDayEntries } from "../archive/day-entries";
import type { Fanout } from "../live/fanout";
import type { NewsEncoder } from "../live/news";
import type { SearchIndex } from "../search/search-index";
import type { ArchiveIndex } from "../storage/archive-days";
import type { AuditLog } from "../storage/audit-log";
import type { BlocklistStore } from "../storage/blocklist";
import type { CurrentLog } from "../storage/current-log";
import type { ImportedDays } from "../storage/imported-days";
import type { RoomMeta } from "../storage/room-meta";
import type { Users } from "../storage/users";
import { importDay } from "./archive-days";
import { logEvent } from "../../log";

/** What an import or export works with. */
export interface TransferRoom {
  config: RoomConfig;
  clock: Clock;
  log: CurrentLog;
  archiveIndex: ArchiveIndex;
  archive(): ArchiveBucket;
  imported: ImportedDays;
  meta: Pick<RoomMeta, "importedSequence" | "recordImportedSequence">;
  blocklist: BlocklistStore;
  users: Users;
  audit: Pick<AuditLog, "record">;
  searchIndex: Pick<SearchIndex, "indexImported" | "indexBackfill">;
  fanout: Pick<Fanout, "entries">;
  news: Pick<NewsEncoder, "invalidate">;
}

const ACTOR = "admin";

/** Entries as imported: nick, timestamp and text as they were, less what XML forbids (as posting removes it). */
function toEntry([seq, nick, sec, usec, text, ip]: TransferEntry): Entry {
  return { seq, nick: removeControls(nick), sec, usec, text: removeControls(text), ip };
}

const toTransfer = (e: Entry): TransferEntry => [e.seq, e.nick, e.sec, e.usec, e.text, e.ip];

/**
 * The room's posts of its own: those after the sequence an import set, and
 * the day of the first of them, in the current log or among the archived
 * days that no import wrote.
 */
function ownPosts(room: TransferRoom): { count: number; firstDay: string | null } {
  const imported = room.meta.importedSequence();
  const count = Math.max(0, room.log.end - imported);
  if (count === 0) return { count, firstDay: null };
  const inLog = room.log.firstSecAfter(imported);
  const days = [inLog === null ? null : dayOf(inLog), room.imported.firstOwnArchivedDay()].filter((day): day is string => day !== null).sort();
  return { count, firstDay: days[0] ?? null };
}

/** Runs an import or export command on the room. */
export async function runTransfer(room: TransferRoom, command: TransferCommand): Promise<ImportStatus | ImportReply | ExportStatus | ExportDay> {
  switch (command.action) {
    case "import-status": {
      const own = ownPosts(room);
      return {
        room: room.config.name,
        private: room.config.private,
        now: room.clock.now(),
        sequence: room.log.end,
        importedSequence: room.meta.importedSequence(),
        ownPosts: own.count,
        firstOwnDay: own.firstDay,
        importedDays: room.imported.all(),
      };
    }
    case "import":
      return runImport(room, command.batch);
    case "export-status":
      return {
        room: room.config.name,
        now: room.clock.now(),
        sequence: room.log.end,
        lastPost: room.log.lastPost,
        days: room.archiveIndex.all(),
        blocklist: room.blocklist.text(),
        current: room.log.all().map(toTransfer),
      };
    case "export-day":
      return { day: command.day, entries: (await readDayEntries(room, command.day)).entries.map(toTransfer) };
  }
}

function refuseOwnPosts(count: number): void {
  if (count > 0) {
    throw new HttpError(
      409,
      `The room has ${count} post${count === 1 ? "" : "s"} of its own; only --archives-only can add to it (the days before its first post)`,
    );
  }
}

async function runImport(room: TransferRoom, batch: ImportBatch): Promise<ImportReply> {
  const now = room.clock.now();
  const record = (target: string, detail: object) => {
    room.audit.record({ at: now, actor: ACTOR, action: "import", target, detail: JSON.stringify(detail) });
    logEvent({ event: "imported", room: room.config.name, part: target, detail });
  };
  switch (batch.kind) {
    case "days": {
      const own = ownPosts(room);
      if (!batch.archivesOnly) refuseOwnPosts(own.count);
      const today = dayOf(Math.floor(now / 1000));
      const open = batch.days.find((d) => d.day >= today);
      if (open !== undefined) throw new HttpError(400, `${open.day} is not over yet on the room's clock: its entries go to the current log`);
      const collaborators = { bucket: room.archive(), index: room.archiveIndex, imported: room.imported, search: room.searchIndex };
      const days = await Promise.all(
        batch.days.map((day) =>
          batch.archivesOnly && own.firstDay !== null && day.day >= own.firstDay
            ? { day: day.day, added: 0, present: 0, skipped: `on or after the room's first post (${own.firstDay})` }
            : importDay(room.config.name, day, day.entries.map(toEntry), collaborators),
        ),
      );
      const added = days.reduce((sum, d) => sum + d.added, 0);
      if (added > 0) record("days", { days: days.filter((d) => d.added > 0).map((d) => d.day), entries: added });
      return { kind: "days", days };
    }
    case "current": {
      refuseOwnPosts(ownPosts(room).count);
      const previousEnd = room.log.end;
      const result = room.log.importEntries(batch.entries.map(toEntry), batch.sequence, batch.lastPost);
      room.meta.recordImportedSequence(result.sequence);
      // Entries may land below the end the news was encoded for.
      room.news.invalidate();
      if (result.added > 0) {
        record("current", result);
        room.fanout.entries(previousEnd);
      }
      return { kind: "current", ...result };
    }
    case "blocklist": {
      const range = (rule: Parameters<typeof formatRule>[0]) => formatRule({ ...rule, comment: "" });
      const before = new Set(room.blocklist.list().rules.map(range));
      const { errors } = room.blocklist.add(batch.rules, now);
      const ranges = [...new Set(parseBlocklist(batch.rules).rules.map(range))];
      const added = ranges.filter((r) => !before.has(r));
      if (added.length > 0) record("blocklist", { added });
      return { kind: "blocklist", added, present: ranges.length - added.length, errors };
    }
    case "users": {
      const result = importUsers(room.users, batch.users, now);
      if (result.added.length > 0) record("users", { added: result.added });
      return { kind: "users", ...result };
    }
  }
}

/**
 * Adds the users of an original room's htpasswd file with their records as
 * they are (verified and replaced on each user's first sign-in). A user the
 * room already has keeps their record: a run again never puts back an old
 * password over one already upgraded or changed.
 */
function importUsers(users: Users, kept: readonly KeptUser[], nowMs: number) {
  const added: string[] = [];
  const present: string[] = [];
  const refused: { user: string; reason: string }[] = [];
  for (const { user, hash } of kept) {
    if (htpasswdFormat(hash) === null) {
      refused.push({ user, reason: "unknown password format" });
      continue;
    }
    const record: KeptHtpasswdRecord = { algorithm: "htpasswd", hash };
    (users.addIfAbsent(user, record, nowMs) ? added : present).push(user);
  }
  return { added, present, refused };
}
