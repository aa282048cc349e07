import type { SearchQuery } from "../../protocol/search-query";
import { SearchBackfill } from "./backfill";
import { SearchIndex } from "./search-index";
import { scanEntries, searchEntries, type SearchLimits, type SearchPage } from "./searcher";

/** A room's search: the index its writes keep in step, the backfill of older entries, and queries. */
export class RoomSearch {
  readonly index: SearchIndex;
  readonly backfill: SearchBackfill;

  constructor(private readonly storage: DurableObjectStorage) {
    this.index = new SearchIndex(storage);
    this.backfill = new SearchBackfill(storage, this.index);
  }

  /** One page of matches, newest first, below the id `before` (null: from the newest). */
  find(query: SearchQuery, before: number | null, limits?: SearchLimits): SearchPage {
    return searchEntries(this.storage.sql, query, before, limits);
  }

  /** The same page by reading every row with instr(), no index: the benchmark's floor. */
  scan(query: SearchQuery, before: number | null): SearchPage & { matches: number } {
    return scanEntries(this.storage.sql, query, before);
  }
}
