import type { IndexedEntry, SearchIndexStats } from "../../protocol/admin";
import { entryId, validTime } from "./entry-id";

export type { IndexedEntry };

const INSERT_ENTRY = "INSERT OR IGNORE INTO search_entries (id, nick, text) VALUES (?, ?, ?)";
/** The text and nick as the index holds them: see migrations/0005_search.sql. */
const INSERT_TERMS = `INSERT INTO search_fts (rowid, body, who) VALUES (?,
  lower(?) || char(1, 1),
  char(2) || replace(replace(lower(?), char(2), char(1)), char(3), char(1)) || char(3))`;
const DELETE_ENTRY = "DELETE FROM search_entries WHERE id = ?";
const DELETE_TERMS = "DELETE FROM search_fts WHERE rowid = ?";
const REMEMBER_DELETED = "INSERT OR IGNORE INTO search_deleted (id) VALUES (?)";
const IS_DELETED = "SELECT 1 AS deleted FROM search_deleted WHERE id = ?";
/** Every segment of the FTS5 index has at least one leaf page listed in its _idx table. */
const SEGMENTS = "SELECT count(DISTINCT segid) AS n FROM search_fts_idx";
/** A negative 'merge' merges segments of every level together, writing about that many pages. */
const MERGE = "INSERT INTO search_fts (search_fts, rank) VALUES ('merge', -CAST(? AS INTEGER))";

export type IndexStats = SearchIndexStats;

/**
 * The search index's writes: every way an entry comes into the room or
 * leaves it calls one of these, synchronously, inside a transaction: the one
 * that removes it, imports it or records how far the log is indexed
 * (posts: src/room/search/pending-index.ts). Adding is idempotent (an entry already indexed is
 * skipped), so any path may repeat itself.
 */
export class SearchIndex {
  constructor(private readonly storage: DurableObjectStorage) {}

  /** Entries of the room's log, posted or imported: call inside the transaction that records them as indexed. */
  indexStored(entries: readonly IndexedEntry[]): void {
    for (const entry of entries) this.insert(entry);
  }

  /**
   * An import: entries the room now has (written to its archives or appended
   * to its log), in any order. Returns how many were not indexed before. The
   * whole batch is checked first and stored in one transaction (nested in the
   * caller's, if any).
   */
  indexImported(entries: readonly IndexedEntry[]): number {
    for (const e of entries) {
      if (!validTime(e.sec, e.usec)) throw new RangeError(`Not an entry time: ${e.sec} ${e.usec}`);
    }
    return this.storage.transactionSync(() => entries.filter((e) => this.insert(e)).length);
  }

  /**
   * The backfill: entries it read from an archive or the log, perhaps before
   * a moderator deleted one of them; those stay out.
   */
  indexBackfill(entries: readonly IndexedEntry[]): number {
    let added = 0;
    for (const e of entries) {
      if (!validTime(e.sec, e.usec)) continue;
      if (this.storage.sql.exec(IS_DELETED, entryId(e.sec, e.usec)).toArray().length > 0) continue;
      if (this.insert(e)) added++;
    }
    return added;
  }

  /**
   * Deletion: call inside the transaction that removes the entry. The entry
   * leaves the index and is remembered as deleted, so that no stale read of
   * its day brings it back. Returns whether it was indexed.
   */
  unindex(sec: number, usec: number): boolean {
    if (!validTime(sec, usec)) return false;
    const id = entryId(sec, usec);
    const sql = this.storage.sql;
    sql.exec(REMEMBER_DELETED, id);
    if (sql.exec(DELETE_ENTRY, id).rowsWritten === 0) return false;
    sql.exec(DELETE_TERMS, id);
    return true;
  }

  /** Whether an entry is indexed. */
  has(sec: number, usec: number): boolean {
    return this.storage.sql.exec("SELECT 1 AS found FROM search_entries WHERE id = ?", entryId(sec, usec)).toArray().length > 0;
  }

  /** How many segments the trigram index has: each costs every term of a query a lookup. */
  segments(): number {
    return this.storage.sql.exec<{ n: number }>(SEGMENTS).one().n;
  }

  /** One bounded step of merging the index's segments together; returns how many segments are left. */
  mergeStep(pages: number): number {
    this.storage.sql.exec(MERGE, pages);
    return this.segments();
  }

  stats(): IndexStats {
    const sql = this.storage.sql;
    const text = sql
      .exec<{ n: number; bytes: number | null }>(
        "SELECT count(*) AS n, sum(length(CAST(text AS BLOB)) + length(CAST(nick AS BLOB))) AS bytes FROM search_entries",
      )
      .one();
    const index = sql
      .exec<{ bytes: number | null }>(
        `SELECT (SELECT coalesce(sum(length(block)), 0) + count(*) * 8 FROM search_fts_data)
              + (SELECT coalesce(sum(length(term)), 0) + count(*) * 16 FROM search_fts_idx)
              + (SELECT coalesce(sum(length(sz)), 0) + count(*) * 16 FROM search_fts_docsize) AS bytes`,
      )
      .one();
    return { entries: text.n, textBytes: text.bytes ?? 0, indexBytes: index.bytes ?? 0, databaseBytes: sql.databaseSize, segments: this.segments() };
  }

  /** Stores an entry unless it is indexed already; returns whether it did. */
  private insert(e: IndexedEntry): boolean {
    const id = entryId(e.sec, e.usec);
    const sql = this.storage.sql;
    if (sql.exec(INSERT_ENTRY, id, e.nick, e.text).rowsWritten === 0) return false;
    sql.exec(INSERT_TERMS, id, e.text, e.nick);
    return true;
  }
}
