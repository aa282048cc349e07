/**
 * Search names an entry by its time in microseconds, sec * 1000000 + usec:
 * unique (as the permalink is), and ordered as newest first wants. Exact
 * in a JavaScript number until the year 2255.
 */
export function entryId(sec: number, usec: number): number {
  return sec * 1_000_000 + usec;
}

export function timeOfId(id: number): { sec: number; usec: number } {
  return { sec: Math.floor(id / 1_000_000), usec: id % 1_000_000 };
}

/** Whether an entry's time can be an id: whole seconds and microseconds in range. */
export function validTime(sec: number, usec: number): boolean {
  return Number.isInteger(sec) && Number.isInteger(usec) && sec >= 0 && usec >= 0 && usec < 1_000_000 && Number.isSafeInteger(entryId(sec, usec));
}

const CURSOR = /^c([0-9a-z]{1,11})$/;

/** The opaque cursor of a page: results continue below this id. */
export function encodeCursor(id: number): string {
  return `c${id.toString(36)}`;
}

/** The id a cursor names, or null when it is not one of ours. */
export function decodeCursor(cursor: string): number | null {
  const m = CURSOR.exec(cursor);
  if (m === null) return null;
  const id = parseInt(m[1]!, 36);
  return Number.isSafeInteger(id) ? id : null;
}
