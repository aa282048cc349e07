import { HttpError } from "../http/errors";
import { readBody } from "../http/form";
import { decodeUtf8 } from "../http/utf8";
import type { IndexedEntry } from "../protocol/admin";
import { MAX_SEARCH_FILL_BYTES } from "../protocol/limits";

const isTime = (n: unknown): n is number => typeof n === "number" && Number.isSafeInteger(n) && n >= 0;

/**
 * The body of admin/search-fill: {"entries": [[nick, sec, usec, text], ...]},
 * entries for the search index alone (benchmarks fill a room with them).
 */
export async function readSearchFill(request: Request): Promise<IndexedEntry[]> {
  const body = decodeUtf8(await readBody(request, MAX_SEARCH_FILL_BYTES), "The body");
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new HttpError(400, "The body is not JSON");
  }
  const rows = (parsed as { entries?: unknown } | null)?.entries;
  if (!Array.isArray(rows)) throw new HttpError(400, 'Expected {"entries": [[nick, sec, usec, text], ...]}');
  return rows.map((row, i) => {
    if (!Array.isArray(row) || row.length !== 4) throw new HttpError(400, `Entry ${i} is not [nick, sec, usec, text]`);
    const [nick, sec, usec, text] = row as unknown[];
    if (
      typeof nick !== "string" ||
      typeof text !== "string" ||
      !isTime(sec) ||
      !isTime(usec) ||
      usec >= 1_000_000 ||
      !Number.isSafeInteger(sec * 1_000_000 + usec)
    ) {
      throw new HttpError(400, `Entry ${i} is not [nick, sec, usec, text]`);
    }
    return { nick, sec, usec, text };
  });
}
