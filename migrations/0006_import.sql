-- Days an import from an original Chaton room wrote to the archive (they are
-- in archive_days too), with the count written: a run again skips them, and
-- the room's own days are the archived days not listed here.
CREATE TABLE imported_days (
  day   TEXT    PRIMARY KEY,  -- YYYY/MM/DD, UTC
  count INTEGER NOT NULL
);
