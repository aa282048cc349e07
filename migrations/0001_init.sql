-- The current log: entries not yet trimmed by the archiver.
-- seq is the room's post sequence number and the comet position of the entry.
CREATE TABLE entries (
  seq  INTEGER PRIMARY KEY,
  nick TEXT    NOT NULL,
  sec  INTEGER NOT NULL,
  usec INTEGER NOT NULL,
  text TEXT    NOT NULL,
  ip   TEXT    NOT NULL
);

-- A permalink names an entry by its timestamp, so timestamps are unique.
CREATE UNIQUE INDEX entries_by_time ON entries (sec, usec);

-- One row: the post sequence and the newest timestamp, which survive trimming.
CREATE TABLE room_state (
  id        INTEGER PRIMARY KEY CHECK (id = 1),
  seq       INTEGER NOT NULL,
  last_sec  INTEGER NOT NULL,
  last_usec INTEGER NOT NULL
);
INSERT INTO room_state (id, seq, last_sec, last_usec) VALUES (1, 0, 0, 0);
