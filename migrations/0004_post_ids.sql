-- Client-made post ids seen in the last minutes: a post repeated with the same
-- (nick, msgid) is stored once and answered as the first (idempotent retries).
CREATE TABLE post_ids (
  nick  TEXT    NOT NULL,
  msgid TEXT    NOT NULL,
  seq   INTEGER NOT NULL,
  at    INTEGER NOT NULL,
  PRIMARY KEY (nick, msgid)
);
CREATE INDEX post_ids_by_time ON post_ids (at);
