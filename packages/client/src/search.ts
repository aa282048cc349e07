/** The room's search: `GET <room>/search?q=…&format=json`, page by page (`&cursor=<next>`). */
import { ConnectionError } from "./errors.js";
import { reasonOf, send, type HttpOptions } from "./http.js";
import { roomBase } from "./permalink.js";
import type { SearchReply, SearchResult } from "./wire.js";

export interface SearchOptions extends HttpOptions {
  /** The cursor of the page to fetch (a previous page's `next`). */
  cursor?: string;
  timeoutMs?: number;
}

const SEARCH_TIMEOUT_MS = 20_000;

function isResult(value: unknown): value is SearchResult {
  if (typeof value !== "object" || value === null) return false;
  const { nick, time, text, permalink } = value as Record<string, unknown>;
  return (
    typeof nick === "string" &&
    typeof text === "string" &&
    typeof permalink === "string" &&
    Array.isArray(time) &&
    time.length === 2 &&
    time.every((n) => Number.isSafeInteger(n))
  );
}

/** One page of results for `query`. A room without search answers 404: a ConnectionError with that status. */
export async function searchPage(roomUrl: string, query: string, options: SearchOptions = {}): Promise<SearchReply> {
  const url = new URL("search", roomBase(roomUrl));
  url.searchParams.set("q", query);
  url.searchParams.set("format", "json");
  if (options.cursor !== undefined) url.searchParams.set("cursor", options.cursor);
  const res = await send(url.href, { headers: { Accept: "application/json" } }, options.timeoutMs ?? SEARCH_TIMEOUT_MS, options);
  if (res.status !== 200) {
    const reason = res.status === 404 ? "this room has no search" : await reasonOf(res);
    throw new ConnectionError(`search: ${reason} (HTTP ${res.status})`, res.status);
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    throw new ConnectionError("search: the reply is not JSON");
  }
  const { q, results, next } = (body ?? {}) as Record<string, unknown>;
  if (!Array.isArray(results) || !results.every(isResult) || !(next === null || next === undefined || typeof next === "string")) {
    throw new ConnectionError("search: the reply is not a page of results");
  }
  return {
    q: typeof q === "string" ? q : query,
    results: results.map(({ nick, time, text, permalink }) => ({ nick, time: [time[0], time[1]], text, permalink })),
    next: next ?? null,
  };
}

/** Every result for `query`, following the pages, up to `limit` results. */
export async function* search(roomUrl: string, query: string, options: SearchOptions & { limit?: number } = {}): AsyncGenerator<SearchResult> {
  let cursor = options.cursor;
  let left = options.limit ?? Infinity;
  while (left > 0) {
    const page = await searchPage(roomUrl, query, { ...options, cursor });
    for (const result of page.results.slice(0, left)) yield result;
    left -= page.results.length;
    if (page.next === null || page.results.length === 0) return;
    cursor = page.next;
  }
}
