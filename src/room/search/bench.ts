import { HttpError } from "../../http/errors";
import type { SearchTimings } from "../../protocol/admin";
import { parseQuery, QueryError, type SearchQuery } from "../../protocol/search-query";
import type { RoomSearch } from "./room-search";
import type { SearchPage } from "./searcher";

const timesOf = (page: SearchPage) => page.hits.map((hit): [number, number] => [hit.sec, hit.usec]);

function parsed(q: string): SearchQuery {
  try {
    return parseQuery(q);
  } catch (error) {
    if (error instanceof QueryError) throw new HttpError(400, error.message);
    throw error;
  }
}

/** A sample lasts at least this long: the clock in a room ticks in whole milliseconds. */
const SAMPLE_MS = 20;

/** How many repetitions of `f` fill a sample (at least 1). */
function repetitionsFor(f: () => unknown): number {
  const start = performance.now();
  let n = 0;
  do {
    f();
    n++;
  } while (performance.now() - start < SAMPLE_MS && n < 100_000);
  return n;
}

/** `samples` figures in ms: each the mean of as many repetitions as last SAMPLE_MS. */
function sample(f: () => unknown, samples: number): number[] {
  const repetitions = repetitionsFor(f);
  const out: number[] = [];
  for (let i = 0; i < samples; i++) {
    const start = performance.now();
    for (let r = 0; r < repetitions; r++) f();
    out.push((performance.now() - start) / repetitions);
  }
  return out;
}

/**
 * Times the first page of a query through the index and (unless `withScan`
 * is false) by the full scan, `runs` samples each, inside the room (for the benchmark; under wrangler
 * dev the clock moves during a request, deployed it does not).
 */
export function timeSearch(search: RoomSearch, q: string, runs: number, withScan = true): SearchTimings {
  const query = parsed(q);
  const indexed = search.find(query, null);
  const scan = search.scan(query, null);
  const indexedMs = sample(() => search.find(query, null), runs);
  const scanMs = withScan ? sample(() => search.scan(query, null), runs) : [];
  const a = timesOf(indexed);
  const b = timesOf(scan);
  return { q, indexedMs, scanMs, indexed: a, scan: b, same: JSON.stringify(a) === JSON.stringify(b), matches: scan.matches };
}
