/**
 * Where a client resumes. `pos` is a position of the room (what comet's `p`
 * and the socket's `?p=` take). When the client stopped in the middle of a
 * batch whose entries it cannot number one by one (an original Gauche server,
 * whose positions are byte offsets, or a log with gaps), `after` is the time
 * of the last entry it delivered: resuming asks from `pos` and drops what
 * came at or before that time.
 */
export interface Cursor {
  pos: number;
  after?: [sec: number, usec: number];
}

/** Keeps a client's cursor, so that a restarted bot carries on where it stopped. */
export interface CursorStore {
  load(): Cursor | null | Promise<Cursor | null>;
  save(cursor: Cursor): void | Promise<void>;
}

function isTime(value: unknown): value is [number, number] {
  return Array.isArray(value) && value.length === 2 && value.every((n) => Number.isSafeInteger(n) && n >= 0);
}

/** A cursor from its JSON text (what stores keep), or null when the text is not one. */
export function parseCursor(text: string): Cursor | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const { pos, after } = value as { pos?: unknown; after?: unknown };
  if (typeof pos !== "number" || !Number.isSafeInteger(pos) || pos < 0) return null;
  if (after === undefined) return { pos };
  return isTime(after) ? { pos, after: [after[0], after[1]] } : null;
}

export function formatCursor(cursor: Cursor): string {
  return JSON.stringify(cursor.after ? { pos: cursor.pos, after: cursor.after } : { pos: cursor.pos });
}

/** A store that keeps the cursor in memory: for tests, and for bots that restart the client inside one process. */
export function memoryStore(initial: Cursor | null = null): CursorStore & { cursor: Cursor | null } {
  return {
    cursor: initial,
    load() {
      return this.cursor;
    },
    save(cursor) {
      this.cursor = cursor;
    },
  };
}
