import { dayStart, DAY_SECONDS, parseDay } from "./day";
import { charCount, removeControls } from "./entry";
import { MAX_SEARCH_QUERY_CHARS, MAX_SEARCH_TERMS } from "./limits";

/**
 * A search query, parsed. Words and phrases are kept as typed; they match
 * anywhere in an entry's text (also inside longer words, as Japanese needs),
 * Latin letters A-Z in either case, every other character as written.
 */
export interface SearchQuery {
  /** Words and phrases that must all occur in the text. */
  include: string[];
  /** Words and phrases none of which may occur in the text. */
  exclude: string[];
  /** The entry's nick must be one of these (none: any nick). */
  from: string[];
  /** The entry's nick must be none of these. */
  notFrom: string[];
  /** Entries at or after this second (UTC day start), or null. */
  since: number | null;
  /** Entries before this second, or null. */
  until: number | null;
}

/** A query that cannot be parsed; `message` is the reason shown to the user. */
export class QueryError extends Error {}

const SPACE = /\s/u;
const OPERATOR = /(from|on|after|before):/iy;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A-Z to a-z and nothing else: what "case-insensitive for Latin letters" means here (SQLite's lower() does the same). */
export function foldLatin(s: string): string {
  return s.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}

/** A quoted string starting at `at` (a double quote): its content and the index after the closing quote. */
function readQuoted(q: string, at: number): [string, number] {
  const close = q.indexOf('"', at + 1);
  if (close < 0) throw new QueryError("A quote is not closed");
  const value = q.slice(at + 1, close);
  if (value === "") throw new QueryError('An empty phrase ("") matches nothing');
  return [value, close + 1];
}

/** A bare word from `at` to the next white space. */
function readBare(q: string, at: number): [string, number] {
  let end = at;
  while (end < q.length && !SPACE.test(q[end]!)) end++;
  return [q.slice(at, end), end];
}

function dayOfOperand(name: string, value: string): number {
  const m = DATE.exec(value);
  const day = m === null ? null : parseDay(m[1]!, m[2]!, m[3]!);
  if (day === null) throw new QueryError(`${name}: takes a date as YYYY-MM-DD, not "${value}"`);
  return dayStart(day);
}

/**
 * Parses the query language: words (all must match), "a phrase", -word or
 * -"phrase" to exclude, from:nick or from:"a nick" (several: any of them),
 * -from:nick, on:/after:/before:YYYY-MM-DD (UTC days; after inclusive,
 * before exclusive). Throws QueryError with the reason when it cannot, and
 * for a query with nothing to look for (empty, or only exclusions).
 */
export function parseQuery(q: string): SearchQuery {
  if (charCount(q) > MAX_SEARCH_QUERY_CHARS) throw new QueryError(`The query is over ${MAX_SEARCH_QUERY_CHARS} characters`);
  if (removeControls(q) !== q) throw new QueryError("The query has control characters");
  const query: SearchQuery = { include: [], exclude: [], from: [], notFrom: [], since: null, until: null };
  let terms = 0;
  let i = 0;
  for (;;) {
    while (i < q.length && SPACE.test(q[i]!)) i++;
    if (i >= q.length) break;
    if (++terms > MAX_SEARCH_TERMS) throw new QueryError(`A query has at most ${MAX_SEARCH_TERMS} words, phrases and operators`);
    // A lone "-" is a word of its own.
    const negated = q[i] === "-" && i + 1 < q.length && !SPACE.test(q[i + 1]!);
    if (negated) i++;
    OPERATOR.lastIndex = i;
    const operator = OPERATOR.exec(q);
    if (operator !== null) {
      const name = operator[1]!.toLowerCase();
      i = OPERATOR.lastIndex;
      let value: string;
      if (q[i] === '"') [value, i] = readQuoted(q, i);
      else [value, i] = readBare(q, i);
      if (value === "") throw new QueryError(`${name}: needs a ${name === "from" ? "nick" : "date"} right after the colon`);
      if (name === "from") {
        (negated ? query.notFrom : query.from).push(value);
        continue;
      }
      if (negated) throw new QueryError(`-${name}: cannot exclude a date; use before: or after:`);
      const start = dayOfOperand(name, value);
      const since = name === "before" ? null : start;
      const until = name === "after" ? null : name === "on" ? start + DAY_SECONDS : start;
      if (since !== null) query.since = query.since === null ? since : Math.max(query.since, since);
      if (until !== null) query.until = query.until === null ? until : Math.min(query.until, until);
      continue;
    }
    let value: string;
    if (q[i] === '"') [value, i] = readQuoted(q, i);
    else [value, i] = readBare(q, i);
    (negated ? query.exclude : query.include).push(value);
  }
  const looksFor = query.include.length > 0 || query.from.length > 0 || query.since !== null || query.until !== null;
  if (!looksFor) {
    throw new QueryError(
      query.exclude.length + query.notFrom.length > 0 ? "A query of only exclusions is refused: add a word, a phrase, from: or a date" : "The query is empty",
    );
  }
  return query;
}

/**
 * Where the words and phrases of `terms` occur in `text` (compared as search
 * compares them), as [start, end) in UTF-16 units, sorted, overlaps merged.
 */
export function matchRanges(text: string, terms: readonly string[]): [number, number][] {
  const folded = foldLatin(text);
  const ranges: [number, number][] = [];
  for (const term of terms) {
    const needle = foldLatin(term);
    for (let at = folded.indexOf(needle); at >= 0; at = folded.indexOf(needle, at + 1)) ranges.push([at, at + needle.length]);
  }
  ranges.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const range of ranges) {
    const last = merged.at(-1);
    if (last !== undefined && range[0] <= last[1]) last[1] = Math.max(last[1], range[1]);
    else merged.push([range[0], range[1]]);
  }
  return merged;
}
