import { HttpError } from "../../http/errors";
import { logEvent } from "../../log";
import { dayOf } from "../../protocol/day";
import { ARCHIVE_CONTENT_TYPE, archiveKey, decodeDay, encodeDay } from "../archive/format";
import type { Clock } from "../../clock";
import type { Deletion } from "../../protocol/admin";
import type { Fanout } from "../live/fanout";
import type { ArchiveBucket } from "../archive/archiver";
import { retryableR2 } from "../archive/r2-failure";
import type { ArchiveIndex } from "../storage/archive-days";
import type { AuditLog } from "../storage/audit-log";
import type { SearchIndex } from "../search/search-index";
import type { CurrentLog } from "../storage/current-log";

export interface ModerationRoom {
  config: { name: string };
  clock: Clock;
  log: Pick<CurrentLog, "removeAt">;
  archiveIndex: ArchiveIndex;
  archive(): ArchiveBucket;
  audit: Pick<AuditLog, "record">;
  fanout: Pick<Fanout, "deleted">;
  searchIndex: Pick<SearchIndex, "unindex">;
  /** Runs in the step that deletes an entry (outgoing webhooks queue the deletion there). */
  onDeleted?: (deleted: { seq: number | null; sec: number; usec: number }) => void;
}

const ANCHOR = /entry-([0-9a-f]{1,12})-([0-9a-f]{1,8})$/;
/** How often a rewrite of a day archive is retried when the object changed under it. */
const REWRITE_ATTEMPTS = 3;

/** The timestamp named by a permalink (a/YYYY/MM/DD#entry-<sec hex>-<usec hex>, or the anchor alone). */
export function parsePermalink(permalink: string): { sec: number; usec: number; anchor: string } {
  const match = ANCHOR.exec(permalink.trim());
  if (match === null) throw new HttpError(400, "Expected a permalink ending in #entry-<sec hex>-<usec hex>");
  const sec = parseInt(match[1]!, 16);
  const usec = parseInt(match[2]!, 16);
  if (usec >= 1_000_000) throw new HttpError(400, "Microseconds out of range");
  return { sec, usec, anchor: `entry-${match[1]}-${match[2]}` };
}

/**
 * Rewrites a day's archive without one entry. The put only succeeds if the
 * object is still the one read (its ETag), so a concurrent rewrite is never lost.
 */
async function removeFromArchive(room: ModerationRoom, sec: number, usec: number): Promise<{ removed: boolean; nick: string | null; seq: number | null }> {
  const day = dayOf(sec);
  if (room.archiveIndex.count(day) === null) return { removed: false, nick: null, seq: null };
  const key = archiveKey(room.config.name, day);
  const bucket = room.archive();
  const r2 = <T>(operation: string, call: () => Promise<T>) => retryableR2(room.config.name, operation, call);
  for (let attempt = 0; attempt < REWRITE_ATTEMPTS; attempt++) {
    const object = await r2("read", () => bucket.get(key));
    if (object === null) return { removed: false, nick: null, seq: null };
    const entries = decodeDay(await r2("read", () => object.text()));
    const kept = entries.filter((e) => !(e.sec === sec && e.usec === usec));
    if (kept.length === entries.length) return { removed: false, nick: null, seq: null };
    const written = await r2("rewritten", () =>
      bucket.put(key, encodeDay(kept), {
        onlyIf: { etagMatches: object.etag },
        httpMetadata: { contentType: ARCHIVE_CONTENT_TYPE },
        customMetadata: { count: String(kept.length) },
      }),
    );
    if (written !== null) {
      room.archiveIndex.record(day, kept.length);
      const gone = entries.find((e) => e.sec === sec && e.usec === usec)!;
      return { removed: true, nick: gone.nick, seq: gone.seq };
    }
  }
  throw new HttpError(503, "The day's archive kept changing; try again", { "Retry-After": "5" });
}

/**
 * Deletes an entry by its permalink: from the current log, from its day's
 * archive in R2, from the live views of connected pages (through the publish
 * path); records it in the audit log. RSS is made from the log, so it follows.
 */
export async function deleteEntry(room: ModerationRoom, permalink: string, actor: string): Promise<Deletion> {
  const { sec, usec, anchor } = parsePermalink(permalink);
  const fromLog = room.log.removeAt(sec, usec);
  // In the same synchronous step as the log's removal (one implicit transaction), before any await.
  room.searchIndex.unindex(sec, usec);
  if (fromLog !== null) room.onDeleted?.({ seq: fromLog.seq, sec, usec });
  // Gone from the log is gone from every view at once, before the archive is rewritten.
  if (fromLog !== null) room.fanout.deleted(anchor);
  const archive = await removeFromArchive(room, sec, usec);
  if (fromLog === null && !archive.removed) throw new HttpError(404, "No entry with that permalink");
  if (fromLog === null) {
    room.onDeleted?.({ seq: archive.seq, sec, usec });
    room.fanout.deleted(anchor);
  }
  const deletion: Deletion = { anchor, nick: fromLog?.nick ?? archive.nick, fromLog: fromLog !== null, fromArchive: archive.removed };
  logEvent({ event: "entry-deleted", room: room.config.name, actor, target: `a/${dayOf(sec)}#${anchor}` });
  room.audit.record({
    at: room.clock.now(),
    actor,
    action: "delete-entry",
    target: `a/${dayOf(sec)}#${anchor}`,
    detail: JSON.stringify({ nick: deletion.nick, seq: fromLog?.seq ?? null, fromLog: deletion.fromLog, fromArchive: deletion.fromArchive }),
  });
  return deletion;
}
