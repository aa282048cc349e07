import { HttpError } from "../../http/errors";
import { parseQuery, QueryError, type SearchQuery } from "../../protocol/search-query";
import type { RoomSearch } from "./room-search";
import type { SearchPage } from "./searcher";

export interface SearchTimings {
  q: string;
  /** Milliseconds of each run: the index, and the floor that reads every row with instr(). */
  indexedMs: number[];
  scanMs: number[];
  /** The first page of each, as [sec, usec] pairs, and whether they are the same. */
  indexed: [number, number][];
  scan: [number, number][];
  same: boolean;
  /** How many entries match in all (from the scan). */
  matches: number;
}

const timesOf = (page: SearchPage) => page.hits.map((hit): [number, number] => [hit.sec, hit.usec]);

function parsed(q: string): SearchQuery {
  try {
    return parseQuery(q);
  } catch (error) {
    if (error instanceof QueryError) throw new HttpError(400, error.message);
    throw error;
  }
}

/**
 * Times the first page of a query `runs` times through the index and as many
 * times by the full scan, inside the room (for the benchmark; under wrangler
 * dev the clock moves during a request, deployed it does not).
 */
export function timeSearch(search: RoomSearch, q: string, runs: number): SearchTimings {
  const query = parsed(q);
  const indexedMs: number[] = [];
  const scanMs: number[] = [];
  let indexed: SearchPage = { hits: [], next: null };
  let scan: SearchPage & { matches: number } = { hits: [], next: null, matches: 0 };
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    indexed = search.find(query, null);
    const t1 = performance.now();
    scan = search.scan(query, null);
    const t2 = performance.now();
    indexedMs.push(t1 - t0);
    scanMs.push(t2 - t1);
  }
  const a = timesOf(indexed);
  const b = timesOf(scan);
  return { q, indexedMs, scanMs, indexed: a, scan: b, same: JSON.stringify(a) === JSON.stringify(b), matches: scan.matches };
}
