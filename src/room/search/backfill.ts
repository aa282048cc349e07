import { dayOf, dayStart, DAY_SECONDS } from "../../protocol/day";
import { SEARCH_BACKFILL_CHUNK, SEARCH_BACKFILL_CHUNKS_PER_RUN } from "../../protocol/limits";
import { archiveKey, decodeDay } from "../archive/format";
import type { ArchiveIndex } from "../storage/archive-days";
import type { CurrentLog } from "../storage/current-log";
import { entryId, timeOfId } from "./entry-id";
import type { IndexedEntry, SearchIndex } from "./search-index";
import { logEvent } from "../../log";

/** After a failed run, the backfill tries again this much later. */
export const BACKFILL_RETRY_MS = 60_000;

/** What the backfill needs of R2. */
export type BackfillBucket = Pick<R2Bucket, "get">;

interface BackfillRow {
  archive_cursor: number;
  log_cursor: number;
  log_target: number;
  done: number;
}

export interface BackfillProgress {
  /** Archived days, and how many of them are indexed (oldest first). */
  days: number;
  daysIndexed: number;
  /** The newest day whose archive is wholly indexed, YYYY/MM/DD, or null. */
  through: string | null;
  /** Every archived day is indexed, and the current log is being indexed. */
  indexingLog: boolean;
}

const STATE = "SELECT archive_cursor, log_cursor, log_target, done FROM search_backfill WHERE id = 1";

/**
 * Indexes what a room had before search existed: every archived day in R2,
 * oldest first, then the entries of the current log up to the post sequence
 * search began at (later posts are indexed as they come: pending-index.ts). Driven by
 * the room's alarm in small chunks; each chunk is indexed and its progress
 * recorded in one transaction, so a run that fails part-way (R2, eviction)
 * resumes after the last chunk it finished, and a chunk that is run again
 * adds nothing twice (the index skips entries it has).
 *
 * Why archived days before the log: the archiver may trim log entries the
 * backfill has not reached yet, but only after archiving their day, which is
 * newer than every day the backfill has done; so each chunk first looks for
 * such a day, and the backfill is done only when neither remains.
 */
export class SearchBackfill {
  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly index: SearchIndex,
    private readonly archiveIndex: Pick<ArchiveIndex, "firstFrom" | "before">,
    private readonly log: Pick<CurrentLog, "range">,
  ) {}

  private state(): BackfillRow {
    return this.storage.sql.exec<BackfillRow & Record<string, SqlStorageValue>>(STATE).one();
  }

  pending(): boolean {
    return this.state().done === 0;
  }

  /** How far the backfill has got; null once it is done. */
  progress(): BackfillProgress | null {
    const state = this.state();
    if (state.done !== 0) return null;
    const nextDay = this.nextDay(state.archive_cursor);
    const days = this.archiveIndex.before(null).count;
    const done = this.archiveIndex.before(nextDay);
    return { days, daysIndexed: done.count, through: done.newest, indexingLog: nextDay === null };
  }

  /** The first archived day that may hold entries after the cursor. */
  private nextDay(archiveCursor: number): string | null {
    const from = dayOf(timeOfId(archiveCursor + 1).sec);
    return this.archiveIndex.firstFrom(from);
  }

  /**
   * One run: up to `maxChunks` chunks of `chunkSize` entries. Returns whether
   * more remains. Throws when R2 fails; the chunks finished before stay done.
   */
  async run(room: string, bucket: BackfillBucket, chunkSize = SEARCH_BACKFILL_CHUNK, maxChunks = SEARCH_BACKFILL_CHUNKS_PER_RUN): Promise<boolean> {
    // A day read once serves the following chunks of the same run.
    let read = null as { day: string; entries: IndexedEntry[] } | null;
    for (let chunk = 0; chunk < maxChunks; chunk++) {
      const state = this.state();
      if (state.done !== 0) return false;
      const day = this.nextDay(state.archive_cursor);
      if (day === null) {
        if (!this.logChunk(state, chunkSize)) return false;
        continue;
      }
      if (read?.day !== day) {
        const object: R2ObjectBody | null = await bucket.get(archiveKey(room, day));
        if (object === null) logEvent({ event: "search-backfill-missing-day", room, day });
        read = { day, entries: object === null ? [] : decodeDay(await object.text()) };
      }
      this.archiveChunk(state.archive_cursor, day, read.entries, chunkSize);
    }
    return this.pending();
  }

  /** Indexes the next entries of `day` after the cursor and moves the cursor, in one transaction. */
  private archiveChunk(cursor: number, day: string, entries: readonly IndexedEntry[], chunkSize: number): void {
    const start = entryId(dayStart(day), 0);
    const end = entryId(dayStart(day) + DAY_SECONDS, 0);
    const after = Math.max(cursor, start - 1);
    const left = entries
      .map((e) => ({ e, id: entryId(e.sec, e.usec) }))
      .filter(({ id }) => id > after && id < end)
      .sort((a, b) => a.id - b.id);
    const chunk = left.slice(0, chunkSize);
    const moveTo = chunk.length < left.length ? chunk.at(-1)!.id : end - 1;
    this.storage.transactionSync(() => {
      // Only the run that still sees the cursor where it read it indexes the chunk.
      const moved = this.storage.sql.exec("UPDATE search_backfill SET archive_cursor = ? WHERE id = 1 AND archive_cursor = ?", moveTo, cursor).rowsWritten;
      if (moved > 0) this.index.indexBackfill(chunk.map(({ e }) => e));
    });
  }

  /** Indexes the next entries of the current log; returns false (and marks the backfill done) when none remain. */
  private logChunk(state: BackfillRow, chunkSize: number): boolean {
    const sql = this.storage.sql;
    const rows = this.log.range(state.log_cursor, state.log_target, chunkSize);
    this.storage.transactionSync(() => {
      if (rows.length === 0) {
        sql.exec("UPDATE search_backfill SET done = 1 WHERE id = 1");
        return;
      }
      const moved = sql.exec("UPDATE search_backfill SET log_cursor = ? WHERE id = 1 AND log_cursor = ?", rows.at(-1)!.seq, state.log_cursor).rowsWritten;
      if (moved > 0) this.index.indexBackfill(rows);
    });
    return rows.length > 0;
  }

  /**
   * The backfill's part of the room's alarm: runs, and says when the alarm
   * should come back for it (at once while there is more, a minute after a
   * failure), or null when it is done.
   */
  async runFromAlarm(room: string, bucket: BackfillBucket, now: () => number): Promise<number | null> {
    if (!this.pending()) return null;
    try {
      return (await this.run(room, bucket)) ? now() : null;
    } catch (error) {
      logEvent({ event: "search-backfill-failed", room, error: String(error) });
      return now() + BACKFILL_RETRY_MS;
    }
  }
}
