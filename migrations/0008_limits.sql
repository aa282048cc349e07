-- Addresses and ranges trusted to post above the posting limits (bridges, a
-- school's gateway), one rule each, as the blocklist keeps its own.
CREATE TABLE allowlist (
  rule       TEXT    PRIMARY KEY,
  comment    TEXT    NOT NULL DEFAULT '',
  added_at   INTEGER NOT NULL
);

-- Failed sign-ins and wrong current passwords, counted per address and per
-- user within a window that starts at the first failure; kept in storage so
-- that they outlive the room's object. Rows of a window that has ended are
-- ignored, and deleted as new failures come.
CREATE TABLE throttles (
  kind   TEXT    NOT NULL,  -- sign-in-address, sign-in-user, password-address, password-user
  key    TEXT    NOT NULL,  -- the address or the user name
  count  INTEGER NOT NULL,
  since  INTEGER NOT NULL,  -- ms, the window's first failure
  PRIMARY KEY (kind, key)
) WITHOUT ROWID;
CREATE INDEX throttles_since ON throttles (since);
