-- The room directory (the one Directory object): rooms made at run time,
-- closed ones included, since a closed room's name is not used again.
CREATE TABLE rooms (
  name       TEXT    PRIMARY KEY,
  settings   TEXT    NOT NULL,  -- JSON, under the keys of wrangler.toml's [[vars.ROOMS]]
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  closed_at  INTEGER            -- null while open
);
CREATE UNIQUE INDEX rooms_by_folded_name ON rooms (name COLLATE NOCASE);
