import type { RelayListeners } from "../../protocol/relay";

/** A relay object of the room and the listeners it last reported. */
export interface RelayRow extends RelayListeners {
  relay: number;
}

/** The room's relay objects (table `relays`): what a room that wakes publishes to. */
export class RelayTable {
  constructor(private readonly sql: SqlStorage) {}

  all(): RelayRow[] {
    return this.sql.exec<RelayRow & Record<string, SqlStorageValue>>("SELECT relay, sockets, comet FROM relays ORDER BY relay").toArray();
  }

  /** Records what relay `relay` holds; a relay with nobody left is forgotten. */
  set(relay: number, listeners: RelayListeners): void {
    if (listeners.sockets + listeners.comet === 0) this.sql.exec("DELETE FROM relays WHERE relay = ?", relay);
    else
      this.sql.exec(
        "INSERT INTO relays (relay, sockets, comet) VALUES (?, ?, ?) ON CONFLICT (relay) DO UPDATE SET sockets = excluded.sockets, comet = excluded.comet",
        relay,
        listeners.sockets,
        listeners.comet,
      );
  }
}
