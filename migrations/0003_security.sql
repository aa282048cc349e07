-- Users of a private room, with PBKDF2 password records (JSON).
CREATE TABLE users (
  name       TEXT    PRIMARY KEY,
  password   TEXT    NOT NULL,
  created_at INTEGER NOT NULL,
  changed_at INTEGER NOT NULL
);

-- Addresses and ranges whose posts are dropped, one rule each, as written.
CREATE TABLE blocklist (
  rule       TEXT    PRIMARY KEY,
  comment    TEXT    NOT NULL DEFAULT '',
  added_at   INTEGER NOT NULL
);

-- What administrators and the room did: deletions, blocks, users, refused posts.
CREATE TABLE audit_log (
  id     INTEGER PRIMARY KEY,
  at     INTEGER NOT NULL,
  actor  TEXT    NOT NULL,
  action TEXT    NOT NULL,
  target TEXT    NOT NULL,
  detail TEXT    NOT NULL DEFAULT ''
);
