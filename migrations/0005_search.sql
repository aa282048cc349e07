-- Search over everything the room has said. Its tables stand apart from
-- `entries`: trimming the current log removes nothing from search.

-- A copy of every entry the room has had (posted, archived, imported).
-- id is the entry's time in microseconds, sec * 1000000 + usec: unique like
-- the permalink, and newest first is id descending.
CREATE TABLE search_entries (
  id   INTEGER PRIMARY KEY,
  nick TEXT    NOT NULL,
  text TEXT    NOT NULL
);

-- The trigram index of the same entries (rowid = search_entries.id). It holds
-- the text as search compares it: A-Z lowered (SQL lower(), ASCII only), then
-- two U+0001 appended, so that every character of the text starts a trigram
-- and a term of 1 or 2 characters is found through the trigrams starting with
-- it; and the nick, lowered, between U+0002 and U+0003 (those two replaced by
-- U+0001 inside it), so that from:nick is an exact phrase of 3+ characters.
-- Queries never contain control characters, so they never match the padding.
CREATE VIRTUAL TABLE search_fts USING fts5(
  body, who,
  content = '', contentless_delete = 1,
  tokenize = 'trigram case_sensitive 1'
);
CREATE VIRTUAL TABLE search_terms USING fts5vocab(search_fts, 'col');

-- Entries a moderator deleted: the backfill, which may have read a day's
-- archive from before the deletion, does not index them again.
CREATE TABLE search_deleted (
  id INTEGER PRIMARY KEY
);

-- How far the backfill of entries older than search has got. New posts are
-- indexed as they are stored; the backfill indexes what the room had before:
-- every archived day (in day order), then the current log up to log_target.
CREATE TABLE search_backfill (
  id             INTEGER PRIMARY KEY CHECK (id = 1),
  archive_cursor INTEGER NOT NULL,  -- every archived entry with id <= this is indexed
  log_cursor     INTEGER NOT NULL,  -- every log entry with seq <= this is indexed
  log_target     INTEGER NOT NULL,  -- the post sequence when search began
  done           INTEGER NOT NULL
);
INSERT INTO search_backfill (id, archive_cursor, log_cursor, log_target, done)
SELECT 1, -1, 0, seq, (seq = 0 AND NOT EXISTS (SELECT 1 FROM archive_days)) FROM room_state;
