-- Webhooks of the room. Incoming: a secret URL that posts into the room (its
-- secret kept only as a SHA-256 hash). Outgoing: a receiver each new entry
-- and deletion is POSTed to, signed with HMAC-SHA-256 under signing_key
-- (which signing needs as it is), with its delivery state.
CREATE TABLE hooks (
  id              TEXT    PRIMARY KEY,
  name            TEXT    NOT NULL,
  direction       TEXT    NOT NULL CHECK (direction IN ('in', 'out')),
  secret_hash     TEXT,              -- in: hex SHA-256 of the URL's secret
  signing_key     TEXT,              -- out: the HMAC key, shown once when made
  url             TEXT,              -- out: the receiver
  origin          TEXT    NOT NULL,  -- the site's origin when made: permalinks, the incoming URL
  created_at      INTEGER NOT NULL,
  queued          INTEGER NOT NULL DEFAULT 0,  -- out: events in hook_outbox
  attempts        INTEGER NOT NULL DEFAULT 0,  -- out: failed tries of the oldest event
  next_attempt_at INTEGER NOT NULL DEFAULT 0,  -- out: not tried again before (ms)
  failing_since   INTEGER,                     -- out: the first failure since the last success
  last_error      TEXT,
  disabled_at     INTEGER                      -- out: switched off after failing too long
);

-- Events waiting for an outgoing hook, written in the transaction that stores
-- the entry (or deletes it); removed once the receiver answered 2xx. Each
-- hook's events go out one at a time, in id order, which is position order.
CREATE TABLE hook_outbox (
  id      INTEGER PRIMARY KEY AUTOINCREMENT,
  hook_id TEXT    NOT NULL,
  event   TEXT    NOT NULL,  -- entry | deleted
  key     TEXT    NOT NULL,  -- the Idempotency-Key: the same for every try
  body    TEXT    NOT NULL   -- the JSON sent, made once, so every try signs the same bytes
);
CREATE INDEX hook_outbox_by_hook ON hook_outbox (hook_id, id);
