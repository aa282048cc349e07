import { HttpError } from "../../http/errors";
import { dayOf } from "../../protocol/day";
import { removeControls, type Entry } from "../../protocol/entry";
import type { ExportDay, ExportStatus, ImportBatch, ImportReply, ImportStatus, TransferEntry } from "../../protocol/transfer";
import { parseBlocklist, formatRule } from "../../security/blocklist";
import type { RoomContext } from "../context";
import { publish } from "../publish";
import { importDay } from "./archive-days";
import { importIntoLog } from "./current-log";
import { readDayEntries } from "./day-entries";
import { ImportState } from "./import-state";
import { importUsers } from "./kept-users";

/** What the admin API asks of a room to move it in or out. */
export type TransferCommand =
  | { action: "import-status" }
  | { action: "import"; batch: ImportBatch }
  | { action: "export-status" }
  | { action: "export-day"; day: string };

export type TransferResult =
  | { ok: true; value: ImportStatus | ImportReply | ExportStatus | ExportDay }
  | { ok: false; status: number; reason: string };

const ACTOR = "admin";

/** Entries as imported: nick, timestamp and text as they were, less what XML forbids (as posting removes it). */
function toEntry([seq, nick, sec, usec, text, ip]: TransferEntry): Entry {
  return { seq, nick: removeControls(nick), sec, usec, text: removeControls(text), ip };
}

const toTransfer = (e: Entry): TransferEntry => [e.seq, e.nick, e.sec, e.usec, e.text, e.ip];

/**
 * Runs an import or export command on the room. `storage` is the room's
 * Durable Object storage (the current log is written in one transaction).
 */
export async function runTransfer(room: RoomContext, storage: DurableObjectStorage, command: TransferCommand): Promise<TransferResult> {
  try {
    return { ok: true, value: await run(room, storage, command) };
  } catch (error) {
    if (error instanceof HttpError) return { ok: false, status: error.status, reason: error.reason };
    throw error;
  }
}

async function run(room: RoomContext, storage: DurableObjectStorage, command: TransferCommand): Promise<ImportStatus | ImportReply | ExportStatus | ExportDay> {
  const state = new ImportState(storage.sql);
  switch (command.action) {
    case "import-status": {
      const own = state.ownPosts(room.log.end);
      return {
        room: room.config.name,
        private: room.config.private,
        now: room.clock.now(),
        sequence: room.log.end,
        importedSequence: state.importedSequence(),
        ownPosts: own.count,
        firstOwnDay: own.firstDay,
        importedDays: state.importedDays(),
      };
    }
    case "import":
      return runImport(room, storage, state, command.batch);
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
    throw new HttpError(409, `The room has ${count} post${count === 1 ? "" : "s"} of its own; only --archives-only can add to it (the days before its first post)`);
  }
}

async function runImport(room: RoomContext, storage: DurableObjectStorage, state: ImportState, batch: ImportBatch): Promise<ImportReply> {
  const now = room.clock.now();
  const record = (target: string, detail: object) => room.audit.record({ at: now, actor: ACTOR, action: "import", target, detail: JSON.stringify(detail) });
  switch (batch.kind) {
    case "days": {
      const own = state.ownPosts(room.log.end);
      if (!batch.archivesOnly) refuseOwnPosts(own.count);
      const today = dayOf(Math.floor(now / 1000));
      const open = batch.days.find((d) => d.day >= today);
      if (open !== undefined) throw new HttpError(400, `${open.day} is not over yet on the room's clock: its entries go to the current log`);
      const collaborators = { bucket: room.archive(), index: room.archiveIndex, state };
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
      refuseOwnPosts(state.ownPosts(room.log.end).count);
      const previousEnd = room.log.end;
      const result = importIntoLog(storage, state, batch.entries.map(toEntry), batch.sequence, batch.lastPost);
      room.log.reload();
      room.news.invalidate();
      if (result.added > 0) {
        record("current", result);
        publish(room, previousEnd);
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
      const result = importUsers(storage.sql, batch.users, now);
      if (result.added.length > 0) record("users", { added: result.added });
      return { kind: "users", ...result };
    }
  }
}
