-- The relay objects that serve a room's listeners past `listeners_per_object`
-- (src/room/live/relays.ts), with the listeners each last reported: the
-- room's chatters (`nc`) count their sockets, and a room that wakes knows
-- where to send its posts. A relay that reports nobody left is deleted.
CREATE TABLE relays (
  relay   INTEGER PRIMARY KEY,
  sockets INTEGER NOT NULL,
  comet   INTEGER NOT NULL
);
