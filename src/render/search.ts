import type { RoomConfig } from "../config";
import { permalink } from "../protocol/entry";
import { MAX_SEARCH_QUERY_CHARS } from "../protocol/limits";
import { matchRanges, type SearchQuery } from "../protocol/search-query";
import { html, type HtmlValue, type SafeHtml } from "./html";
import { layout } from "./pages";

export interface SearchResultView {
  sec: number;
  usec: number;
  nick: string;
  text: string;
}

/** How far the backfill of older entries has got (see src/room/search/backfill.ts). */
export interface IndexingView {
  days: number;
  daysIndexed: number;
  through: string | null;
  indexingLog: boolean;
}

export interface SearchPageView {
  room: RoomConfig;
  /** The query as typed. */
  q: string;
  /** The parsed query, when one ran. */
  query: SearchQuery | null;
  hits: readonly SearchResultView[];
  /** The link to the next page, or null. */
  nextHref: string | null;
  /** Null once every older entry is indexed. */
  progress: IndexingView | null;
  /** Why the query could not run. */
  error: string | null;
}

/** The search form of a room, for its pages. */
export function searchBox(roomName: string, q = ""): SafeHtml {
  return html`<form class="search-form" role="search" method="get" action="/${roomName}/search">
<label class="visually-hidden" for="search-q">Search this room</label>
<input id="search-q" type="search" name="q" value="${q}" maxlength="${MAX_SEARCH_QUERY_CHARS}" placeholder="Search this room">
<button type="submit">Search</button>
</form>`;
}

/** What search says while older entries are still being indexed. */
export function indexingNote(progress: IndexingView): string {
  if (progress.indexingLog) return "Search is still indexing older messages: every archived day is done, the current log is being indexed now.";
  const through = progress.through === null ? "" : `, through ${progress.through}`;
  return `Search is still indexing older messages, oldest first: ${progress.daysIndexed} of ${progress.days} archived days so far${through}. Messages posted since search began are all found.`;
}

/** The text with the occurrences of the query's words and phrases marked. */
function highlighted(text: string, terms: readonly string[]): SafeHtml {
  const parts: HtmlValue[] = [];
  let at = 0;
  for (const [start, end] of matchRanges(text, terms)) {
    parts.push(text.slice(at, start), html`<mark>${text.slice(start, end)}</mark>`);
    at = end;
  }
  parts.push(text.slice(at));
  return html`${parts}`;
}

function result(room: RoomConfig, hit: SearchResultView, terms: readonly string[]): SafeHtml {
  const iso = new Date(hit.sec * 1000 + Math.floor(hit.usec / 1000)).toISOString();
  return html`<li class="search-result">
<div class="entry-header"><a class="result-link" href="/${room.name}/${permalink(hit)}"><time class="timestamp" datetime="${iso}">${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC</time></a> <span class="chatter" dir="auto">${hit.nick}</span></div>
<div class="search-text" dir="auto">${highlighted(hit.text, terms)}</div>
</li>`;
}

const HELP = html`<details class="search-help"><summary>How to search</summary>
<ul>
<li><code>tokyo tower</code>: entries with both words, anywhere in the text (also inside longer words); A-Z match either case, everything else as written</li>
<li><code>"good morning"</code>: the phrase as written; <code>-rain</code> or <code>-"no thanks"</code>: without it</li>
<li><code>from:alice</code> or <code>from:"a nick"</code>: by that nick (several: by any of them); <code>-from:bot</code>: not by it</li>
<li><code>on:2026-11-24</code>, <code>after:2026-01-01</code> (that day included), <code>before:2026-02-01</code> (not included): UTC days</li>
</ul>
</details>`;

/** The search page: the box, and the results of a query newest first. */
export function searchPage(view: SearchPageView): SafeHtml {
  const { room, q, query } = view;
  const terms = query?.include ?? [];
  const results =
    query === null
      ? null
      : view.hits.length === 0
        ? html`<p class="no-results">${view.nextHref === null ? "No entries match." : "No entries match in this part of the history; there is more to search."}</p>`
        : html`<ol class="search-results">${view.hits.map((hit) => result(room, hit, terms))}</ol>`;
  const body = html`<div class="search-page">
<header class="archive-header">
<p class="breadcrumbs"><a href="/${room.name}/">${room.title}</a> &gt; Search</p>
</header>
${searchBox(room.name, q)}
${HELP}
${view.progress === null ? null : html`<p class="search-note" role="status">${indexingNote(view.progress)}</p>`}
${view.error === null ? null : html`<p class="search-error" role="alert">${view.error}</p>`}
<main id="results">${results}</main>
${view.nextHref === null ? null : html`<p class="more"><a rel="next" href="${view.nextHref}">More results</a></p>`}
</div>`;
  return layout(q.trim() === "" ? `${room.title} > Search` : `${room.title} > Search: ${q}`, body);
}
