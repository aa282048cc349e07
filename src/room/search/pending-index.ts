import type { Clock } from "../../clock";
import { SEARCH_BACKFILL_CHUNK, SEARCH_INDEX_BATCH, SEARCH_INDEX_DELAY_MS } from "../../protocol/limits";
import type { Listener } from "../live/fanout";
import type { CurrentLog } from "../storage/current-log";
import type { SearchIndex } from "./search-index";

const READ = "SELECT indexed_through FROM search_pending WHERE id = 1";
const MOVE = "UPDATE search_pending SET indexed_through = ? WHERE id = 1";

/**
 * Posts on their way into the search index. A post is stored with the log
 * alone; its index write (about as costly as the store itself, and the same
 * for many posts as for one) comes a moment later, for every post waiting
 * then, in one transaction with the mark of how far the log is indexed. That
 * is at most SEARCH_INDEX_DELAY_MS later (the room's alarm), sooner when
 * SEARCH_INDEX_BATCH posts wait, and before anything that reads the index or
 * trims the log: a search indexes what waits first, so it finds every post
 * acknowledged before it. The mark is in storage, so a room that stopped
 * with posts waiting indexes them when it starts again.
 *
 * It listens on the publish path, so the index write comes after the
 * entries are told, not between the store and the telling.
 */
export class PendingIndex implements Listener {
  private through: number;

  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly index: Pick<SearchIndex, "indexStored">,
    private readonly log: Pick<CurrentLog, "end" | "range">,
    private readonly clock: Clock,
    /** Brings the room's one alarm forward to `at` (ms). */
    private readonly wake: (at: number) => void,
  ) {
    this.through = storage.sql.exec<{ indexed_through: number }>(READ).one().indexed_through;
  }

  /** Whether stored posts wait to be indexed. */
  waiting(): boolean {
    return this.log.end > this.through;
  }

  /** Posts were stored and told: index them now when enough wait, else by the alarm. */
  entries(): void {
    const waiting = this.log.end - this.through;
    if (waiting >= SEARCH_INDEX_BATCH) this.indexWaiting();
    else if (waiting > 0) this.wake(this.clock.now() + SEARCH_INDEX_DELAY_MS);
  }

  deleted(): void {}

  presence(): void {}

  /** Indexes every post waiting, a chunk per transaction; returns how many the log still had. */
  indexWaiting(): number {
    let indexed = 0;
    const sql = this.storage.sql;
    while (this.waiting()) {
      const end = this.log.end;
      const rows = this.log.range(this.through, end, SEARCH_BACKFILL_CHUNK);
      const through = rows.length === SEARCH_BACKFILL_CHUNK ? rows.at(-1)!.seq : end;
      this.storage.transactionSync(() => {
        this.index.indexStored(rows);
        sql.exec(MOVE, through);
      });
      this.through = through;
      indexed += rows.length;
    }
    return indexed;
  }
}
