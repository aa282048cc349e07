/** A cursor store in a file, for Node: written whole and renamed into place, so that a crash leaves the old or the new cursor. */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { formatCursor, parseCursor, type Cursor, type CursorStore } from "../cursor.js";

/**
 * Keeps the cursor in `path` as JSON. Saving is synchronous on purpose: when
 * a process stops between two events, the file already names the last one
 * it handled. A missing file means "no cursor yet"; an unreadable one is an error.
 */
export function fileStore(path: string): CursorStore {
  return {
    load(): Cursor | null {
      let text: string;
      try {
        text = readFileSync(path, "utf8");
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
        throw error;
      }
      const cursor = parseCursor(text);
      if (cursor === null) throw new Error(`${path} does not hold a cursor (expected {"pos":N})`);
      return cursor;
    },
    save(cursor: Cursor): void {
      const temporary = `${path}.tmp`;
      writeFileSync(temporary, `${formatCursor(cursor)}\n`);
      renameSync(temporary, path);
    },
  };
}
