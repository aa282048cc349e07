import { SEARCH_MAX_SEGMENTS, SEARCH_MERGE_PAGES, SEARCH_MERGE_STEPS_PER_RUN, SEARCH_MERGED_SEGMENTS } from "../../protocol/limits";
import type { SearchQuery } from "../../protocol/search-query";
import type { Clock } from "../../clock";
import { SearchBackfill, type BackfillBucket } from "./backfill";
import type { ArchiveIndex } from "../storage/archive-days";
import type { CurrentLog } from "../storage/current-log";
import { PendingIndex } from "./pending-index";
import { SearchIndex } from "./search-index";
import { scanEntries, searchEntries, type SearchLimits, type SearchPage } from "./searcher";
import { logEvent } from "../../log";

/** A room's search: the index its writes keep in step, posts waiting to be indexed, the backfill of older entries, and queries. */
export class RoomSearch {
  readonly index: SearchIndex;
  readonly pending: PendingIndex;
  readonly backfill: SearchBackfill;
  /** A merge started (over SEARCH_MAX_SEGMENTS) goes on until SEARCH_MERGED_SEGMENTS. */
  private merging = false;

  constructor(
    private readonly storage: DurableObjectStorage,
    archiveIndex: ArchiveIndex,
    log: CurrentLog,
    clock: Clock,
    wake: (at: number) => void,
  ) {
    this.index = new SearchIndex(storage);
    this.pending = new PendingIndex(storage, this.index, log, clock, wake);
    this.backfill = new SearchBackfill(storage, this.index, archiveIndex, log);
  }

  /** One page of matches, newest first, below the id `before` (null: from the newest); posts waiting are indexed first. */
  find(query: SearchQuery, before: number | null, limits?: SearchLimits): SearchPage {
    this.pending.indexWaiting();
    return searchEntries(this.storage.sql, query, before, limits);
  }

  /** The same page by reading every row with instr(), no index: the benchmark's floor. */
  scan(query: SearchQuery, before: number | null): SearchPage & { matches: number } {
    return scanEntries(this.storage.sql, query, before);
  }

  /** Whether the alarm should come at once for search: posts wait, or the backfill or merging the index has work. */
  hasWork(): boolean {
    return this.pending.waiting() || this.backfill.pending() || this.index.segments() > SEARCH_MAX_SEGMENTS;
  }

  /**
   * The search's part of the room's alarm: posts waiting, the backfill while it has work,
   * then merging the index a few bounded steps when it has too many segments
   * (a backfill or an import leaves one per chunk). Says when the alarm
   * should come back for it, or null.
   */
  async runFromAlarm(room: string, bucket: BackfillBucket, now: () => number): Promise<number | null> {
    this.pending.indexWaiting();
    const backfillAt = await this.backfill.runFromAlarm(room, bucket, now);
    if (backfillAt !== null) return backfillAt;
    try {
      return this.merge(SEARCH_MERGE_STEPS_PER_RUN) ? now() : null;
    } catch (error) {
      logEvent({ event: "search-merge-failed", room, error: String(error) });
      return null;
    }
  }

  /** Up to `steps` merge steps when a merge is due; returns whether more remain. */
  merge(steps: number): boolean {
    let segments = this.index.segments();
    if (!this.merging && segments <= SEARCH_MAX_SEGMENTS) return false;
    this.merging = true;
    for (let step = 0; step < steps && segments > SEARCH_MERGED_SEGMENTS; step++) segments = this.index.mergeStep(SEARCH_MERGE_PAGES);
    this.merging = segments > SEARCH_MERGED_SEGMENTS;
    return this.merging;
  }
}
