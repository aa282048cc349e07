import { MAX_SEARCH_EXAMINED, MAX_SEARCH_TERM_TRIGRAMS, SEARCH_PAGE_SIZE } from "../../protocol/limits";
import { charCount } from "../../protocol/entry";
import { foldLatin, type SearchQuery } from "../../protocol/search-query";
import { entryId, timeOfId } from "./entry-id";

export interface SearchHit {
  sec: number;
  usec: number;
  nick: string;
  text: string;
}

export interface SearchPage {
  /** Newest first. */
  hits: SearchHit[];
  /** The next page holds the matches with an id below this; null when there are none. */
  next: number | null;
}

export interface SearchLimits {
  pageSize: number;
  /** Rows one page may examine that the index did not answer for (see MAX_SEARCH_EXAMINED). */
  maxExamined: number;
  /** A short term starting more trigrams than this is scanned for (see MAX_SEARCH_TERM_TRIGRAMS). */
  maxTrigrams: number;
}

export const DEFAULT_SEARCH_LIMITS: SearchLimits = {
  pageSize: SEARCH_PAGE_SIZE,
  maxExamined: MAX_SEARCH_EXAMINED,
  maxTrigrams: MAX_SEARCH_TERM_TRIGRAMS,
};

/** A condition the index cannot answer, checked on each row (`e` is search_entries). */
interface Check {
  sql: string;
  params: SqlStorageValue[];
}

/** How one query is answered: clauses of an FTS5 query, and checks on the rows it yields. */
interface Plan {
  /** Clauses that must all hold; none: the rows in the time range are scanned. */
  match: string[];
  /** Clauses that must not hold (only with `match`). */
  notMatch: string[];
  checks: Check[];
  /** A term no entry contains: nothing matches. */
  nothing: boolean;
}

/** An FTS5 string: everything between the quotes is literal, a quote is doubled. */
const ftsString = (s: string) => `"${s.replaceAll('"', '""')}"`;
/** A nick as the index holds it: folded, between U+0002 and U+0003. */
const nickPhrase = (nick: string) => ftsString(`\u0002${foldLatin(nick)}\u0003`);
/**
 * Bounds on rowid go through CAST(? AS INTEGER): JavaScript numbers bind as
 * REAL, and FTS5 seeks to a rowid bound only when it is an INTEGER; given a
 * REAL it reads every match from the newest and leaves the bound to SQLite.
 */

/** The largest character: a trigram starting with `prefix` is at most `prefix` padded with it. */
const LAST_CHAR = "\u{10FFFF}";

/**
 * How a folded term is found in the index: a term of 3+ characters is a
 * phrase of its trigrams (exact: FTS5's trigram phrases are substrings); a
 * shorter one is every trigram that starts with it (exact too: the index pads
 * each text so that every character starts a trigram), unless there are too
 * many, then null (scan for it); [] when no entry contains it.
 */
function termClause(sql: SqlStorage, term: string, maxTrigrams: number): string | null | [] {
  const length = charCount(term);
  if (length >= 3) return `body : ${ftsString(term)}`;
  const trigrams = sql
    .exec<{ term: string }>(
      "SELECT term FROM search_terms WHERE col = 'body' AND term >= ? AND term <= ? LIMIT ?",
      term,
      term + LAST_CHAR.repeat(3 - length),
      maxTrigrams + 1,
    )
    .toArray()
    .map((row) => row.term);
  if (trigrams.length === 0) return [];
  if (trigrams.length > maxTrigrams) return null;
  return `body : (${trigrams.map(ftsString).join(" OR ")})`;
}

function plan(sql: SqlStorage, query: SearchQuery, maxTrigrams: number): Plan {
  const result: Plan = { match: [], notMatch: [], checks: [], nothing: false };
  for (const word of query.include) {
    const term = foldLatin(word);
    const clause = termClause(sql, term, maxTrigrams);
    if (Array.isArray(clause)) return { ...result, nothing: true };
    if (clause === null) result.checks.push({ sql: "instr(lower(e.text), ?) > 0", params: [term] });
    else result.match.push(clause);
  }
  if (query.from.length > 0) result.match.push(`who : (${query.from.map(nickPhrase).join(" OR ")})`);
  const indexed = result.match.length > 0;
  for (const word of query.exclude) {
    const term = foldLatin(word);
    const clause = indexed ? termClause(sql, term, maxTrigrams) : null;
    if (Array.isArray(clause)) continue;
    if (clause === null) result.checks.push({ sql: "instr(lower(e.text), ?) = 0", params: [term] });
    else result.notMatch.push(clause);
  }
  if (query.notFrom.length > 0) {
    if (indexed) result.notMatch.push(`who : (${query.notFrom.map(nickPhrase).join(" OR ")})`);
    else result.checks.push({ sql: `lower(e.nick) NOT IN (${query.notFrom.map(() => "?").join(", ")})`, params: query.notFrom.map(foldLatin) });
  }
  return result;
}

function matchExpression(p: Plan): string {
  let expression = p.match.map((clause) => `(${clause})`).join(" AND ");
  for (const clause of p.notMatch) expression = `(${expression}) NOT (${clause})`;
  return expression;
}

/**
 * One page of the entries that match `query`, newest first, below the id
 * `before` (null: from the newest). Exact: what the index holds is checked
 * only where it is exact, the rest row by row. A page examines at most
 * `maxExamined` rows beyond what the index answers; when it stops there, it
 * has fewer hits and `next` goes on from the last row it examined.
 */
export function searchEntries(sql: SqlStorage, query: SearchQuery, before: number | null, limits: SearchLimits = DEFAULT_SEARCH_LIMITS): SearchPage {
  const low = query.since === null ? 0 : entryId(query.since, 0);
  let high = query.until === null ? Number.MAX_SAFE_INTEGER : Math.min(entryId(query.until, 0), Number.MAX_SAFE_INTEGER);
  if (before !== null) high = Math.min(high, before);
  if (low >= high) return { hits: [], next: null };
  const p = plan(sql, query, limits.maxTrigrams);
  if (p.nothing) return { hits: [], next: null };

  const check = p.checks.length === 0 ? null : p.checks.map((c) => `(${c.sql})`).join(" AND ");
  const checkParams = p.checks.flatMap((c) => c.params);
  const want = limits.pageSize + 1;
  let rows: Iterable<{ id: number; hit: number }>;
  if (p.match.length > 0 && check === null) {
    rows = sql.exec<{ id: number; hit: number }>(
      "SELECT rowid AS id, 1 AS hit FROM search_fts WHERE search_fts MATCH ? AND rowid >= CAST(? AS INTEGER) AND rowid < CAST(? AS INTEGER) ORDER BY rowid DESC LIMIT ?",
      matchExpression(p),
      low,
      high,
      want,
    );
  } else if (p.match.length > 0) {
    // The index's rows first (CROSS JOIN keeps that order), each checked.
    rows = sql.exec<{ id: number; hit: number }>(
      `SELECT search_fts.rowid AS id, (${check}) AS hit FROM search_fts CROSS JOIN search_entries AS e ON e.id = search_fts.rowid
       WHERE search_fts MATCH ? AND search_fts.rowid >= CAST(? AS INTEGER) AND search_fts.rowid < CAST(? AS INTEGER) ORDER BY search_fts.rowid DESC`,
      ...checkParams,
      matchExpression(p),
      low,
      high,
    );
  } else {
    rows = sql.exec<{ id: number; hit: number }>(
      `SELECT id, ${check ?? "1"} AS hit FROM search_entries AS e WHERE id >= CAST(? AS INTEGER) AND id < CAST(? AS INTEGER) ORDER BY id DESC${check === null ? " LIMIT ?" : ""}`,
      ...checkParams,
      low,
      high,
      ...(check === null ? [want] : []),
    );
  }

  const ids: number[] = [];
  let examined = 0;
  let stoppedAt: number | null = null;
  for (const row of rows) {
    if (row.hit) {
      ids.push(row.id);
      if (ids.length === want) break;
    }
    if (check !== null && ++examined >= limits.maxExamined) {
      stoppedAt = row.id;
      break;
    }
  }
  let next: number | null = null;
  if (ids.length === want) {
    ids.pop();
    next = ids.at(-1)!;
  } else if (stoppedAt !== null) {
    next = stoppedAt;
  }
  return { hits: fetchHits(sql, ids), next };
}

/** The entries of `ids`, in that order. */
function fetchHits(sql: SqlStorage, ids: readonly number[]): SearchHit[] {
  if (ids.length === 0) return [];
  const rows = sql
    .exec<{ id: number; nick: string; text: string }>(
      "SELECT id, nick, text FROM search_entries WHERE id IN (SELECT value FROM json_each(?))",
      JSON.stringify(ids),
    )
    .toArray();
  const byId = new Map(rows.map((row) => [row.id, row]));
  return ids.map((id) => {
    const row = byId.get(id)!;
    return { ...timeOfId(id), nick: row.nick, text: row.text };
  });
}

/**
 * The same page answered the slow way, as a floor for the benchmark: every
 * row of the time range read and checked with instr(), no index, all matches
 * collected before the newest are taken.
 */
export function scanEntries(sql: SqlStorage, query: SearchQuery, before: number | null, pageSize = SEARCH_PAGE_SIZE): SearchPage & { matches: number } {
  const conditions: string[] = [];
  const params: SqlStorageValue[] = [];
  for (const word of query.include) {
    conditions.push("instr(lower(text), ?) > 0");
    params.push(foldLatin(word));
  }
  for (const word of query.exclude) {
    conditions.push("instr(lower(text), ?) = 0");
    params.push(foldLatin(word));
  }
  if (query.from.length > 0) {
    conditions.push(`lower(nick) IN (${query.from.map(() => "?").join(", ")})`);
    params.push(...query.from.map(foldLatin));
  }
  if (query.notFrom.length > 0) {
    conditions.push(`lower(nick) NOT IN (${query.notFrom.map(() => "?").join(", ")})`);
    params.push(...query.notFrom.map(foldLatin));
  }
  const low = query.since === null ? 0 : entryId(query.since, 0);
  let high = query.until === null ? Number.MAX_SAFE_INTEGER : Math.min(entryId(query.until, 0), Number.MAX_SAFE_INTEGER);
  if (before !== null) high = Math.min(high, before);
  // "+id" keeps SQLite from using the primary key for the range or the order: every row is read.
  conditions.push("+id >= ?", "+id < ?");
  params.push(low, high);
  const ids = sql
    .exec<{ id: number }>(`SELECT id FROM search_entries WHERE ${conditions.join(" AND ")}`, ...params)
    .toArray()
    .map((row) => row.id)
    .sort((a, b) => b - a);
  const page = ids.slice(0, pageSize);
  return { hits: fetchHits(sql, page), next: ids.length > pageSize ? page.at(-1)! : null, matches: ids.length };
}
