-- Days whose archive object is confirmed in R2, with their entry counts.
-- An entry leaves the current log only once its day is listed here.
CREATE TABLE archive_days (
  day   TEXT    PRIMARY KEY,  -- YYYY/MM/DD, UTC
  count INTEGER NOT NULL
);

-- The room's name in the URL, recorded on its first request, for the alarm,
-- which has no request to read it from.
CREATE TABLE room_meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
