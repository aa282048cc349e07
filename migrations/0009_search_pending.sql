-- Posts are indexed for search a moment after they are stored, several in
-- one transaction (src/room/search/pending-index.ts): every log entry with
-- seq <= indexed_through is indexed. A search indexes what waits first, so
-- every acknowledged post is found. Posts stored before this migration were
-- indexed as they were stored.
CREATE TABLE search_pending (
  id              INTEGER PRIMARY KEY CHECK (id = 1),
  indexed_through INTEGER NOT NULL
);
INSERT INTO search_pending (id, indexed_through) SELECT 1, seq FROM room_state;
