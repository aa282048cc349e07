import { HttpError } from "../../http/errors";
import type { Entry } from "../../protocol/entry";
import type { ImportState } from "./import-state";

/**
 * Puts imported entries into the current log with the positions the import
 * gave them, and continues the room's post sequence from the original's
 * (never lower): afterwards the sequence is at least `sequence` and every
 * imported position, and the newest timestamp at least every imported one
 * and `lastPost`, so a new post comes after all of them. Idempotent by
 * timestamp; all or nothing.
 */
export function importIntoLog(
  storage: DurableObjectStorage,
  state: ImportState,
  entries: readonly Entry[],
  sequence: number,
  lastPost: number,
): { added: number; present: number; sequence: number } {
  const sql = storage.sql;
  return storage.transactionSync(() => {
    let added = 0;
    for (const e of entries) {
      const at = sql.exec<{ seq: number }>("SELECT seq FROM entries WHERE sec = ? AND usec = ?", e.sec, e.usec).toArray()[0];
      if (at !== undefined) continue;
      const taken = sql.exec<{ sec: number; usec: number }>("SELECT sec, usec FROM entries WHERE seq = ?", e.seq).toArray()[0];
      if (taken !== undefined) {
        throw new HttpError(409, `Position ${e.seq} already holds another entry (${taken.sec} ${taken.usec}): the original's sequence changed since the last import`);
      }
      sql.exec("INSERT INTO entries (seq, nick, sec, usec, text, ip) VALUES (?, ?, ?, ?, ?, ?)", e.seq, e.nick, e.sec, e.usec, e.text, e.ip);
      added++;
    }
    const room = sql.exec<{ seq: number; last_sec: number; last_usec: number }>("SELECT seq, last_sec, last_usec FROM room_state WHERE id = 1").one();
    let next = Math.max(room.seq, sequence);
    let last: [number, number] = [room.last_sec, room.last_usec];
    const later = (a: [number, number], b: [number, number]) => (b[0] > a[0] || (b[0] === a[0] && b[1] > a[1]) ? b : a);
    last = later(last, [lastPost, 0]);
    for (const e of entries) {
      next = Math.max(next, e.seq);
      last = later(last, [e.sec, e.usec]);
    }
    sql.exec("UPDATE room_state SET seq = ?, last_sec = ?, last_usec = ? WHERE id = 1", next, last[0], last[1]);
    state.setImportedSequence(next);
    return { added, present: entries.length - added, sequence: next };
  });
}
