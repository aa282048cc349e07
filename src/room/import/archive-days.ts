import type { Entry } from "../../protocol/entry";
import type { DayImportResult, TransferDay } from "../../protocol/transfer";
import { HttpError } from "../../http/errors";
import type { ArchiveBucket } from "../archive/archiver";
import { retryableR2 } from "../archive/r2-failure";
import { ARCHIVE_CONTENT_TYPE, archiveKey, decodeDay, encodeDay } from "../archive/format";
import type { SearchIndex } from "../search/search-index";
import type { ArchiveIndex } from "../storage/archive-days";
import type { ImportedDays } from "../storage/imported-days";

const timestamp = (e: Pick<Entry, "sec" | "usec">) => `${e.sec}.${e.usec}`;

/**
 * Writes one imported day to R2 as the archiver writes a closed day (same
 * format, its count in the object's metadata), recorded in the archive index
 * and as imported. Idempotent by timestamp: entries whose (sec, usec) the
 * day's archive already holds are not added again, and a day that gains
 * nothing is not rewritten. What it adds is searchable at once.
 */
export async function importDay(
  roomName: string,
  day: TransferDay,
  entries: Entry[],
  collaborators: { bucket: ArchiveBucket; index: ArchiveIndex; imported: ImportedDays; search: Pick<SearchIndex, "indexImported" | "indexBackfill"> },
): Promise<DayImportResult> {
  const { bucket, index, imported, search } = collaborators;
  const key = archiveKey(roomName, day.day);
  const r2 = <T>(operation: string, call: () => Promise<T>) => retryableR2(roomName, operation, call);
  const existing = await r2("read", () => bucket.get(key));
  const before = existing === null ? [] : decodeDay(await r2("read", () => existing.text()));
  const held = new Set(before.map(timestamp));
  const added = entries.filter((e) => !held.has(timestamp(e)));
  let count = before.length;
  if (added.length > 0) {
    // A day the archive already had a part of (an interrupted or grown run) keeps time order.
    const merged = before.length === 0 ? added : [...before, ...added].sort((a, b) => a.sec - b.sec || a.usec - b.usec);
    const written = await r2("written", () =>
      bucket.put(key, encodeDay(merged), {
        ...(existing === null ? {} : { onlyIf: { etagMatches: existing.etag } }),
        httpMetadata: { contentType: ARCHIVE_CONTENT_TYPE },
        customMetadata: { count: String(merged.length) },
      }),
    );
    if (written === null) throw new HttpError(503, `The archive of ${day.day} changed while it was imported; try again`, { "Retry-After": "5" });
    count = merged.length;
  }
  index.record(day.day, count);
  imported.record(day.day, count);
  search.indexImported(added);
  // What the archive had already may be from a run whose write R2 did but whose answer was lost,
  // before it was indexed; indexing is by timestamp, once, and leaves deleted entries out.
  search.indexBackfill(entries.filter((e) => held.has(timestamp(e))));
  return { day: day.day, added: added.length, present: entries.length - added.length };
}
