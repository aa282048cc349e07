/**
 * Whether an original room has anything a room has not had from an import
 * already: a room with posts of its own refuses new days and a new current
 * log, yet an import run again with nothing new should just say so.
 */
import type { ImportStatus } from "../../src/protocol/transfer";
import type { ImportPlan } from "../original/import-plan";

/**
 * What of the plan the room has not had from an import, judged from what the
 * room reports: the closed days an import wrote (with their counts) and the
 * sequence the last whole import set. Empty when there is nothing new.
 *
 * - Entries beyond the imported sequence are new (the original's positions
 *   end at its sequence, so the open days are covered by it too).
 * - A closed day the room has with another count is new.
 * - A closed day the room does not list is new, unless it comes after every
 *   day it lists and within the imported sequence: it was still open when that
 *   import ran, went into the current log, and the room has archived it since.
 */
export function newSinceImport(plan: ImportPlan, room: Pick<ImportStatus, "importedSequence" | "importedDays">): string[] {
  const news: string[] = [];
  if (plan.sequence > room.importedSequence) news.push(`entries ${room.importedSequence + 1} to ${plan.sequence}`);
  const imported = new Map(room.importedDays.map((d) => [d.day, d.count]));
  const lastImported = [...imported.keys()].sort().at(-1) ?? "";
  for (const d of plan.toSend) {
    const count = imported.get(d.day);
    if (count !== undefined) news.push(`${d.day} (${d.count} entries, ${count} imported)`);
    else if (d.day <= lastImported || room.importedSequence === 0) news.push(`${d.day} (${d.count} entries)`);
  }
  return news;
}
